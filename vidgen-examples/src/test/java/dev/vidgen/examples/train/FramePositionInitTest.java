package dev.vidgen.examples.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.vidgen.models.modelscope.TemporalConvLayer;
import dev.vidgen.weights.RandomWeights;
import dev.vidgen.weights.WeightLoader;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class FramePositionInitTest {
  /**
   * After the initialisation, a temporal convolution layer adds to its input two channels that tell frames apart
   * whatever the input: the first counts from the start (frames 0, 1, 2, 3 differ), the second from the end.
   */
  @Test
  void temporalLayerOutputCarriesTheFramePosition() {
    int c = 32;
    int frames = 8;
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      WeightLoader loader = new WeightLoader(new RandomWeights(5), m, DataType.FLOAT32);
      TemporalConvLayer layer = new TemporalConvLayer(loader.root().at("down_blocks.0.temp_convs.0"), c, null, 8);
      Map<String, NDArray> params = loader.parameters();
      // diffusers starts the last convolution at zero (the layer is the identity); so does train-demo
      NDArray w4 = params.get("down_blocks.0.temp_convs.0.conv4.3.weight");
      w4.set(new float[Math.toIntExact(w4.size())]);
      NDArray b4 = params.get("down_blocks.0.temp_convs.0.conv4.3.bias");
      b4.set(new float[Math.toIntExact(b4.size())]);
      assertEquals(1, FramePositionInit.apply(params, 8));

      float[] x = new float[frames * c * 4 * 4];
      SplittableRandom rng = new SplittableRandom(1);
      for (int i = 0; i < x.length; i++) {
        x[i] = (float) rng.nextGaussian();
      }
      NDArray in = m.create(x, new Shape(frames, c, 4, 4)); // (B*F, C, H, W), one video
      float[] added = layer.forward(in, frames).sub(in).toFloatArray();
      double[] fromStart = new double[frames];
      double[] fromEnd = new double[frames];
      for (int f = 0; f < frames; f++) {
        fromStart[f] = added[((f * c) + c - 2) * 16]; // pixel (0, 0); the signal is the same at every pixel
        fromEnd[f] = added[((f * c) + c - 1) * 16];
        for (int ch = 0; ch < c - 2; ch++) {
          assertEquals(0f, added[((f * c) + ch) * 16 + 5], 1e-6, "channel " + ch + " must stay the identity");
        }
      }
      for (int f = 0; f < 4; f++) {
        assertTrue(fromStart[f + 1] - fromStart[f] > 0.05, "from-start channel: " + java.util.Arrays.toString(fromStart));
        assertTrue(fromEnd[frames - 2 - f] - fromEnd[frames - 1 - f] > 0.05,
            "from-end channel: " + java.util.Arrays.toString(fromEnd));
      }
    }
  }
}
