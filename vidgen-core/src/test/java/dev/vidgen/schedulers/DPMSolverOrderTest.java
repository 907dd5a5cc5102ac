package dev.vidgen.schedulers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import dev.vidgen.noise.TorchGenerator;
import dev.vidgen.weights.JsonConfig;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * DPM-Solver orders 1 to 3 beyond the fixtures (which cover order 2 midpoint only), checked against closed forms.
 *
 * <p>With a model whose output is a polynomial in lambda = log(alpha_t / sigma_t), the finite differences of the
 * multistep history are exact Taylor terms: D0 = f(lambda_s), D1 = h f'(lambda_s), D2 = h^2 f''(lambda_s) / 2. Hence
 * <ul>
 *   <li>order 1, the second-order "heun" update and the third-order update (exponential-integrator coefficient
 *       phi_2 on D1) solve the ODE exactly for constant resp. linear outputs (DPM-Solver++ eq. 9, arXiv 2211.01095:
 *       x_t = sigma_t / sigma_s x_s + sigma_t ∫ e^lambda x_0(lambda) dlambda; DPM-Solver eq. 3.4, arXiv 2206.00927:
 *       x_t = alpha_t / alpha_s x_s - alpha_t ∫ e^-lambda eps(lambda) dlambda);
 *   <li>the "midpoint" update is not exact for linear outputs;
 *   <li>the third-order update with a quadratic output equals its own formula evaluated on those exact Taylor terms.
 *       (That formula, as in the original DPM-Solver code, weights D2 = h^2 f''/2 by phi_3 = (e^-h - 1 + h) / h^2 -
 *       1/2, half the weight of the exact integral, so it is not the exact ODE solution for quadratics; the check
 *       pins down the history bookkeeping, r0, r1 and the D1/D2 estimates.)
 * </ul>
 * Steps that do not yet have the history for their order are skipped.
 */
class DPMSolverOrderTest {
  static final Shape SHAPE = new Shape(1, 2, 3, 3);
  static final int N = (int) SHAPE.size();
  static final String BETAS = "\"beta_schedule\": \"scaled_linear\", \"beta_start\": 0.00085, \"beta_end\": 0.012";

  /** A model output a + b lambda + c lambda^2 per element. */
  record Poly(double[] a, double[] b, double[] c) {
    static Poly random(long seed, int degree) {
      Random r = new Random(seed);
      double[] a = new double[N];
      double[] b = new double[N];
      double[] c = new double[N];
      for (int i = 0; i < N; i++) {
        a[i] = r.nextGaussian();
        b[i] = degree >= 1 ? 0.5 * r.nextGaussian() : 0;
        c[i] = degree >= 2 ? 0.1 * r.nextGaussian() : 0;
      }
      return new Poly(a, b, c);
    }

    float[] at(double lambda) {
      float[] out = new float[N];
      for (int i = 0; i < N; i++) {
        out[i] = (float) (a[i] + b[i] * lambda + c[i] * lambda * lambda);
      }
      return out;
    }

    /** ∫ e^l p(l) dl = e^l (a + b (l - 1) + c (l^2 - 2 l + 2)). */
    double dataAntiderivative(int i, double l) {
      return Math.exp(l) * (a[i] + b[i] * (l - 1) + c[i] * (l * l - 2 * l + 2));
    }

    /** ∫ e^-l p(l) dl = -e^-l (p + p' + p''). */
    double noiseAntiderivative(int i, double l) {
      double p = a[i] + b[i] * l + c[i] * l * l;
      double dp = b[i] + 2 * c[i] * l;
      double ddp = 2 * c[i];
      return -Math.exp(-l) * (p + dp + ddp);
    }
  }

  /**
   * Runs 10 steps and returns, per step, max|ours - exact| / max(1, max|exact|), where "exact" continues from our own
   * previous sample.
   */
  static double[] deviations(String extraConfig, int degree) {
    return deviations(extraConfig, degree, false);
  }

  /** @param thirdOrderFormula compare with diffusers' third-order formula on exact Taylor terms, not the ODE */
  static double[] deviations(String extraConfig, int degree, boolean thirdOrderFormula) {
    JsonConfig config = JsonConfig.parse("test/scheduler_config.json", "{" + BETAS
        + ", \"lower_order_final\": false, \"final_sigmas_type\": \"sigma_min\", " + extraConfig + "}");
    DPMSolverMultistepScheduler scheduler = new DPMSolverMultistepScheduler(config);
    boolean data = scheduler.schedulerConfig().algorithmType().predictsData();
    Poly poly = Poly.random(42, degree);
    try (NDManager manager = NDManager.newBaseManager(Device.cpu());
        SchedulerRun run = scheduler.start(10, SchedulerOptions.DEFAULT)) {
      double[] sigmas = run.sigmas();
      double[] deviation = new double[run.size()];
      float[] x = new float[N];
      Random r = new Random(7);
      for (int i = 0; i < N; i++) {
        x[i] = (float) (r.nextGaussian() * 3);
      }
      for (int step = 0; step < run.size(); step++) {
        double lambdaS = lambda(sigmas[step]);
        double lambdaT = lambda(sigmas[step + 1]);
        float[] next;
        try (NDScope scope = new NDScope()) {
          scope.suppressNotUsedWarning(); // the scope frees what the step makes
          NDArray sample = manager.create(x, SHAPE);
          NDArray modelOutput = manager.create(poly.at(lambdaS), SHAPE);
          next = run.step(modelOutput, step, sample).toFloatArray();
        }
        double alphaS = alpha(sigmas[step]);
        double alphaT = alpha(sigmas[step + 1]);
        double sigmaS = sigmas[step] * alphaS;
        double sigmaT = sigmas[step + 1] * alphaT;
        double maxErr = 0;
        double maxAbs = 1;
        for (int i = 0; i < N; i++) {
          double exact;
          if (thirdOrderFormula) {
            double h = lambdaT - lambdaS;
            double f0 = poly.a[i] + poly.b[i] * lambdaS + poly.c[i] * lambdaS * lambdaS;
            double d1 = h * (poly.b[i] + 2 * poly.c[i] * lambdaS);
            double d2 = h * h * poly.c[i];
            exact = data
                ? sigmaT / sigmaS * x[i] - alphaT * Math.expm1(-h) * f0 + alphaT * (Math.expm1(-h) / h + 1) * d1
                    - alphaT * ((Math.expm1(-h) + h) / (h * h) - 0.5) * d2
                : alphaT / alphaS * x[i] - sigmaT * Math.expm1(h) * f0 - sigmaT * (Math.expm1(h) / h - 1) * d1
                    - sigmaT * ((Math.expm1(h) - h) / (h * h) - 0.5) * d2;
          } else {
            exact = data
                ? sigmaT / sigmaS * x[i] + sigmaT * (poly.dataAntiderivative(i, lambdaT)
                    - poly.dataAntiderivative(i, lambdaS))
                : alphaT / alphaS * x[i] - alphaT * (poly.noiseAntiderivative(i, lambdaT)
                    - poly.noiseAntiderivative(i, lambdaS));
          }
          maxErr = Math.max(maxErr, Math.abs(next[i] - exact));
          maxAbs = Math.max(maxAbs, Math.abs(exact));
        }
        deviation[step] = maxErr / maxAbs;
        x = next;
      }
      return deviation;
    }
  }

  static double alpha(double sigma) {
    return 1 / Math.sqrt(sigma * sigma + 1);
  }

  static double lambda(double sigma) {
    return Math.log(alpha(sigma)) - Math.log(sigma * alpha(sigma));
  }

  static void assertExactFrom(int firstStep, double[] deviation, String what) {
    System.out.println(what + ": " + java.util.Arrays.toString(deviation));
    for (int i = firstStep; i < deviation.length; i++) {
      assertTrue(deviation[i] < 1e-6, what + ": step " + i + " is off the exact solution by " + deviation[i]);
    }
  }

  @Test
  void firstOrderIsExactForConstantOutputs() {
    assertExactFrom(0, deviations("\"solver_order\": 1, \"prediction_type\": \"sample\"", 0), "dpmsolver++ order 1");
    assertExactFrom(0, deviations("\"solver_order\": 1, \"algorithm_type\": \"dpmsolver\"", 0),
        "dpmsolver order 1");
  }

  @Test
  void secondOrderHeunIsExactForLinearOutputs() {
    assertExactFrom(1, deviations("\"solver_order\": 2, \"solver_type\": \"heun\", \"prediction_type\": \"sample\"",
        1), "dpmsolver++ 2M heun");
    assertExactFrom(1, deviations("\"solver_order\": 2, \"solver_type\": \"heun\", \"algorithm_type\": "
        + "\"dpmsolver\"", 1), "dpmsolver 2M heun");
  }

  /** The midpoint variant approximates the phi_2 term, so the exactness check can tell the two apart. */
  @Test
  void secondOrderMidpointIsNotExactForLinearOutputs() {
    double[] d = deviations("\"solver_order\": 2, \"prediction_type\": \"sample\"", 1);
    for (int i = 1; i < d.length; i++) {
      assertTrue(d[i] > 1e-5, "midpoint should deviate from the exact linear solution at step " + i + ", got " + d[i]);
    }
  }

  @Test
  void thirdOrderIsExactForLinearOutputs() {
    assertExactFrom(2, deviations("\"solver_order\": 3, \"prediction_type\": \"sample\"", 1), "dpmsolver++ 3M");
    assertExactFrom(2, deviations("\"solver_order\": 3, \"algorithm_type\": \"dpmsolver\"", 1), "dpmsolver 3M");
  }

  @Test
  void thirdOrderUsesExactTaylorTermsForQuadraticOutputs() {
    assertExactFrom(2, deviations("\"solver_order\": 3, \"prediction_type\": \"sample\"", 2, true),
        "dpmsolver++ 3M");
    assertExactFrom(2, deviations("\"solver_order\": 3, \"algorithm_type\": \"dpmsolver\"", 2, true),
        "dpmsolver 3M");
    // and the check discriminates: the second-order update does not reproduce it
    double[] second = deviations("\"solver_order\": 2, \"solver_type\": \"heun\", \"prediction_type\": "
        + "\"sample\"", 2, true);
    assertTrue(second[5] > 1e-5, "2M should differ from the 3M formula on a quadratic, got " + second[5]);
  }

  /**
   * DPM-Solver++(1) is DDIM (eta = 0): with trailing spacing both visit 999, 899, ..., 99, and DPM's final zero sigma
   * is DDIM's final alpha 1 (set_alpha_to_one).
   */
  @Test
  void firstOrderEqualsDdim() {
    JsonConfig dpmConfig = JsonConfig.parse("test/dpm.json", "{" + BETAS + ", \"solver_order\": 1, "
        + "\"timestep_spacing\": \"trailing\"}");
    JsonConfig ddimConfig = JsonConfig.parse("test/ddim.json", "{" + BETAS + ", \"timestep_spacing\": \"trailing\", "
        + "\"clip_sample\": false, \"set_alpha_to_one\": true}");
    DPMSolverMultistepScheduler dpm = new DPMSolverMultistepScheduler(dpmConfig);
    DDIMScheduler ddim = new DDIMScheduler(ddimConfig);
    try (NDManager manager = NDManager.newBaseManager(Device.cpu());
        SchedulerRun a = dpm.start(10, SchedulerOptions.DEFAULT);
        SchedulerRun b = ddim.start(10, SchedulerOptions.DEFAULT)) {
      assertArrayEquals(b.timesteps(), a.timesteps());
      TorchGenerator g = new TorchGenerator(3);
      NDArray xa = g.randn(manager, SHAPE);
      NDArray xb = xa.duplicate();
      for (int i = 0; i < 10; i++) {
        NDArray eps = g.randn(manager, SHAPE);
        NDArray na = a.step(eps, i, xa);
        NDArray nb = b.step(eps, i, xb);
        float[] fa = na.toFloatArray();
        float[] fb = nb.toFloatArray();
        double scale = 1;
        double max = 0;
        for (int k = 0; k < fa.length; k++) {
          scale = Math.max(scale, Math.abs(fb[k]));
          max = Math.max(max, Math.abs(fa[k] - fb[k]));
        }
        assertTrue(max <= 1e-5 * scale, "step " + i + ": DPM-Solver++(1) and DDIM differ by " + max);
        xa = na;
        xb = nb;
      }
    }
  }

  /** The SDE variant draws one noise of the model output's shape per step from the run's noise source. */
  @Test
  void sdeVariantIsReproducibleFromItsSeed() {
    JsonConfig config = JsonConfig.parse("test/sde.json", "{" + BETAS + ", \"algorithm_type\": \"sde-dpmsolver++\", "
        + "\"solver_order\": 3}");
    DPMSolverMultistepScheduler s = new DPMSolverMultistepScheduler(config);
    float[] first = runSde(s, 11);
    assertArrayEquals(first, runSde(s, 11));
    float[] other = runSde(s, 12);
    double diff = 0;
    for (int i = 0; i < first.length; i++) {
      diff = Math.max(diff, Math.abs(first[i] - other[i]));
    }
    assertTrue(diff > 1e-3, "another seed must give other noise");
    assertEquals(N, first.length);
  }

  static float[] runSde(DPMSolverMultistepScheduler s, long seed) {
    try (NDManager manager = NDManager.newBaseManager(Device.cpu());
        SchedulerRun run = s.start(6, SchedulerOptions.DEFAULT.withNoise(new TorchGenerator(seed)))) {
      TorchGenerator inputs = new TorchGenerator(5);
      NDArray x = inputs.randn(manager, SHAPE);
      for (int i = 0; i < run.size(); i++) {
        x = run.step(inputs.randn(manager, SHAPE), i, x);
      }
      return x.toFloatArray();
    }
  }
}
