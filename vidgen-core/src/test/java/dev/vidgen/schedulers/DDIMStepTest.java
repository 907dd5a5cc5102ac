package dev.vidgen.schedulers;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.vidgen.noise.TorchGenerator;
import dev.vidgen.weights.JsonConfig;
import org.junit.jupiter.api.Test;

/**
 * DDIM paths the fixtures do not take (eta &gt; 0 with its variance noise, clip_sample), against formulas (12) and
 * (16) of the DDIM paper evaluated on the host in double, with the noise drawn from an identically seeded generator
 * in the same order as diffusers' randn_tensor(model_output.shape, generator) inside step().
 */
class DDIMStepTest {
  static final Shape SHAPE = new Shape(1, 4, 2, 3, 3);

  @Test
  void etaAddsSeededVarianceNoise() {
    check("{\"beta_schedule\": \"scaled_linear\", \"beta_start\": 0.00085, \"beta_end\": 0.012, "
        + "\"clip_sample\": false, \"set_alpha_to_one\": false, \"steps_offset\": 1}", 1.0, Double.POSITIVE_INFINITY);
  }

  @Test
  void clipSampleClampsPredictedX0() {
    check("{\"clip_sample\": true, \"clip_sample_range\": 0.5, \"timestep_spacing\": \"trailing\"}", 0.5, 0.5);
  }

  static void check(String json, double eta, double clip) {
    DDIMScheduler s = new DDIMScheduler(JsonConfig.parse("test/scheduler_config.json", json));
    double[] ac = s.alphasCumprod();
    int steps = 8;
    try (NDManager m = NDManager.newBaseManager(Device.cpu());
        SchedulerRun run = s.start(steps, SchedulerOptions.DEFAULT.withEta(eta)
            .withNoise(new TorchGenerator(21)))) {
      TorchGenerator inputs = new TorchGenerator(20);
      TorchGenerator sameNoise = new TorchGenerator(21);
      NDArray x = inputs.randn(m, SHAPE);
      double[] timesteps = run.timesteps();
      for (int i = 0; i < steps; i++) {
        NDArray eps = inputs.randn(m, SHAPE);
        float[] xs = x.toFloatArray();
        float[] es = eps.toFloatArray();
        NDArray next = run.step(eps, i, x);
        float[] noise = eta > 0 ? sameNoise.randn(m, SHAPE).toFloatArray() : new float[xs.length];
        int t = (int) timesteps[i];
        int prev = t - 1000 / steps;
        double a = ac[t];
        double ap = prev >= 0 ? ac[prev] : (json.contains("\"set_alpha_to_one\": false") ? ac[0] : 1.0);
        double variance = (1 - ap) / (1 - a) * (1 - a / ap);
        double std = eta * Math.sqrt(variance);
        float[] got = next.toFloatArray();
        double maxErr = 0;
        double scale = 1;
        for (int k = 0; k < xs.length; k++) {
          double x0 = (xs[k] - Math.sqrt(1 - a) * es[k]) / Math.sqrt(a);
          x0 = Math.max(-clip, Math.min(clip, x0));
          double expected = Math.sqrt(ap) * x0 + Math.sqrt(1 - ap - std * std) * es[k] + std * noise[k];
          maxErr = Math.max(maxErr, Math.abs(got[k] - expected));
          scale = Math.max(scale, Math.abs(expected));
        }
        assertTrue(maxErr <= 1e-5 * scale, "step " + i + " (t=" + t + "): max|Δ| " + maxErr);
        x = next;
      }
    }
  }
}
