package dev.vidgen.schedulers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vidgen.weights.JsonConfig;
import org.junit.jupiter.api.Test;

/** The sigma-schedule helpers on properties that pin them down without scipy at hand. */
class SigmaConversionsTest {

  /** Beta(a, a) is symmetric: I_1/2 = 1/2, I_(1-x) = 1 - I_x; its density is proportional to (x (1 - x))^(a-1). */
  @Test
  void symmetricBetaCdfProperties() {
    double a = 0.6;
    assertEquals(0.5, SigmaConversions.symmetricBetaCdf(0.5, a), 1e-16);
    for (double x : new double[] {1e-6, 0.01, 0.2, 0.37, 0.49}) {
      // 1 - (1 - x) need not be x in floating point, hence the few-ulp slack
      assertEquals(1.0, SigmaConversions.symmetricBetaCdf(x, a) + SigmaConversions.symmetricBetaCdf(1 - x, a), 1e-14);
    }
    double d = 1e-5;
    double[] xs = {0.1, 0.3, 0.45, 0.7};
    double ref = pdfEstimate(0.2, d, a) / Math.pow(0.2 * 0.8, a - 1);
    for (double x : xs) {
      assertEquals(ref, pdfEstimate(x, d, a) / Math.pow(x * (1 - x), a - 1), 1e-8 * ref, "density at " + x);
    }
  }

  static double pdfEstimate(double x, double d, double a) {
    return (SigmaConversions.symmetricBetaCdf(x + d, a) - SigmaConversions.symmetricBetaCdf(x - d, a)) / (2 * d);
  }

  @Test
  void betaPpfInvertsTheCdf() {
    for (double q : new double[] {1e-9, 0.001, 0.1, 0.25, 0.5, 0.75, 0.9, 0.999}) {
      double x = SigmaConversions.symmetricBetaPpf(q, 0.6);
      assertEquals(q, SigmaConversions.symmetricBetaCdf(x, 0.6), 4e-16 + 1e-14 * q, "q = " + q);
    }
    assertEquals(0.5, SigmaConversions.symmetricBetaPpf(0.5, 0.6));
    assertEquals(0.0, SigmaConversions.symmetricBetaPpf(0, 0.6));
    assertEquals(1.0, SigmaConversions.symmetricBetaPpf(1, 0.6));
  }

  /** _convert_to_beta runs from sigma_max (ppf(1) = 1) to sigma_min (ppf(0) = 0), symmetric about the middle. */
  @Test
  void betaSigmasInAScheduler() {
    JsonConfig c = JsonConfig.parse("test/scheduler_config.json", "{\"beta_schedule\": \"scaled_linear\", "
        + "\"beta_start\": 0.00085, \"beta_end\": 0.012, \"use_beta_sigmas\": true}");
    try (SchedulerRun run = new EulerDiscreteScheduler(c).start(9, SchedulerOptions.DEFAULT)) {
      double[] s = run.sigmas();
      assertEquals(10, s.length);
      assertEquals((float) 14.614645004272461, (float) s[0]);
      assertEquals((float) 0.029167532920837402, (float) s[8]);
      assertEquals(0.0, s[9]);
      assertEquals((s[0] + s[8]) / 2, s[4], 1e-5); // ppf(0.5) = 0.5
      for (int i = 0; i < 8; i++) {
        assertTrue(s[i] > s[i + 1]);
      }
      double[] t = run.timesteps();
      assertEquals(999.0, t[0]);
      assertEquals(0.0, t[8]);
    }
    try (SchedulerRun run = new DPMSolverMultistepScheduler(c).start(9, SchedulerOptions.DEFAULT)) {
      assertEquals(999.0, run.timesteps()[0]);
    }
  }

  /** _convert_to_karras: rho = 7 ramp between sigma_max^(1/7) and sigma_min^(1/7); ends exact up to rounding. */
  @Test
  void karrasEnds() {
    double[] s = SigmaConversions.karras(0.002, 700, 5);
    assertEquals(700, s[0], 1e-10);
    assertEquals(0.002, s[4], 1e-15);
    double mid = Math.pow((Math.pow(700, 1 / 7.0) + Math.pow(0.002, 1 / 7.0)) / 2, 7);
    assertEquals(mid, s[2], 1e-12);
  }

  /** _sigma_to_t maps a training sigma back to its timestep and interpolates between them in log-sigma. */
  @Test
  void sigmaToTRecoversTrainingTimesteps() {
    float[] betas = NoiseSchedules.betas(JsonConfig.parse("test.json", "{}"), BetaSchedule.SCALED_LINEAR, 0.00085,
        0.012, 1000, null);
    float[] table = NoiseSchedules.sigmaTable(NoiseSchedules.alphasCumprod(betas));
    float[] logSigmas = NumpyMath.logf(table);
    assertArrayEquals(new double[] {0, 1, 500, 998, 999}, new double[] {
        SigmaConversions.sigmaToT(table[0], logSigmas), SigmaConversions.sigmaToT(table[1], logSigmas),
        SigmaConversions.sigmaToT(table[500], logSigmas), SigmaConversions.sigmaToT(table[998], logSigmas),
        SigmaConversions.sigmaToT(table[999], logSigmas)}, 1e-4);
    double between = SigmaConversions.sigmaToT(Math.sqrt((double) table[400] * table[401]), logSigmas);
    assertEquals(400.5, between, 1e-3);
    assertEquals(0.0, SigmaConversions.sigmaToT(1e-3, logSigmas)); // below the table: clipped to 0
    assertEquals(999.0, SigmaConversions.sigmaToT(1e3, logSigmas)); // above: w clipped to 1 at the last interval
  }
}
