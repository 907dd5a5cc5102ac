package dev.vidgen.schedulers;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.vidgen.noise.TorchGenerator;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * Dynamic thresholding against a host computation of torch.quantile's definition (linear interpolation between the
 * sorted neighbours of rank q * (n - 1), per batch row), then clamp(s, 1, sample_max_value) and clamp(x, -s, s) / s.
 */
class DynamicThresholdingTest {

  @Test
  void matchesQuantileDefinition() {
    Shape shape = new Shape(2, 3, 2, 4, 5); // (batch, channels, frames, h, w): 120 values per row
    double ratio = 0.9;
    double maxValue = 2.5;
    try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
      NDArray x = new TorchGenerator(1).randn(m, shape).mul(2f);
      float[] in = x.toFloatArray();
      float[] out = DynamicThresholding.threshold(x, ratio, maxValue).toFloatArray();
      int row = in.length / 2;
      for (int b = 0; b < 2; b++) {
        float[] abs = new float[row];
        for (int i = 0; i < row; i++) {
          abs[i] = Math.abs(in[b * row + i]);
        }
        Arrays.sort(abs);
        double rank = ratio * (row - 1);
        int lo = (int) Math.floor(rank);
        double s = abs[lo] + (rank - lo) * (abs[lo + 1] - abs[lo]);
        s = Math.min(Math.max(s, 1), maxValue);
        for (int i = 0; i < row; i++) {
          double expected = Math.max(-s, Math.min(s, in[b * row + i])) / s;
          assertEquals(expected, out[b * row + i], 1e-6, "row " + b + " element " + i);
        }
      }
    }
  }

  @Test
  void smallSamplesAreClippedToOne() {
    try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
      NDArray x = m.create(new float[] {0.5f, -0.2f, 0.1f, 0.3f}, new Shape(1, 1, 4));
      // quantile < 1 -> s = 1: the sample is unchanged
      float[] out = DynamicThresholding.threshold(x, 0.995, 1.0).toFloatArray();
      assertEquals(0.5f, out[0]);
      assertEquals(-0.2f, out[1]);
    }
  }
}
