package dev.vidgen.schedulers;

/**
 * The sigma-schedule helpers that diffusers v0.32.2 copies between schedulers: {@code _sigma_to_t},
 * {@code _convert_to_karras}, {@code _convert_to_exponential}, {@code _convert_to_beta} (from
 * {@code scheduling_euler_discrete.py}) and
 * {@code _convert_to_lu} ({@code scheduling_dpmsolver_multistep.py}). numpy's mixed float32/float64 promotion rules
 * (numpy 1.24, value-based casting) are followed where they change the result.
 */
final class SigmaConversions {
  private SigmaConversions() {}

  /**
   * {@code _sigma_to_t(sigma, log_sigmas)}: the fractional training timestep whose log-sigma interpolates
   * {@code log(sigma)}.
   *
   * <p>With a float32 {@code log_sigmas}, numpy computes {@code dists} and the weight {@code w} in float32 (a float64
   * scalar meeting a float32 array takes the array's type), and only {@code (1 - w) * low_idx + w * high_idx} in
   * float64 (float32 array times int64 array).
   *
   * @param logSigmas {@code np.log(sigmas)} of the float32 training sigmas, ascending with the timestep
   */
  static double sigmaToT(double sigma, float[] logSigmas) {
    // get log sigma
    double logSigma = Math.log(Math.max(sigma, 1e-10));
    float logSigmaF = (float) logSigma;
    // get distribution: dists = log_sigma - log_sigmas[:, np.newaxis]; low_idx = cumsum(dists >= 0).argmax()
    int count = 0;
    int lastNonNegative = 0;
    for (int j = 0; j < logSigmas.length; j++) {
      if (logSigmaF - logSigmas[j] >= 0) {
        count++;
        lastNonNegative = j;
      }
    }
    int lowIdx = count == 0 ? 0 : lastNonNegative;
    lowIdx = Math.min(lowIdx, logSigmas.length - 2);
    int highIdx = lowIdx + 1;
    float low = logSigmas[lowIdx];
    float high = logSigmas[highIdx];
    // interpolate sigmas
    float w = (low - logSigmaF) / (low - high);
    if (!Float.isNaN(w)) {
      w = Math.max(0f, Math.min(1f, w)); // np.clip(w, 0, 1)
    }
    // transform interpolation to time range
    float oneMinusW = 1f - w;
    return (double) oneMinusW * lowIdx + (double) w * highIdx;
  }

  /**
   * {@code _convert_to_karras(in_sigmas, num_inference_steps)} (Karras et al. 2022, rho = 7), float64.
   *
   * @param sigmaMin {@code config.sigma_min} when the config has it, else {@code in_sigmas[-1]}
   * @param sigmaMax {@code config.sigma_max} when the config has it, else {@code in_sigmas[0]}
   */
  static double[] karras(double sigmaMin, double sigmaMax, int numInferenceSteps) {
    double rho = 7.0; // 7.0 is the value used in the paper
    double[] ramp = NumpyMath.linspace(0, 1, numInferenceSteps);
    double minInvRho = StrictMath.pow(sigmaMin, 1 / rho);
    double maxInvRho = StrictMath.pow(sigmaMax, 1 / rho);
    double[] sigmas = new double[numInferenceSteps];
    for (int i = 0; i < sigmas.length; i++) {
      sigmas[i] = StrictMath.pow(maxInvRho + ramp[i] * (minInvRho - maxInvRho), rho);
    }
    return sigmas;
  }

  /** {@code _convert_to_exponential}: {@code np.exp(np.linspace(log(sigma_max), log(sigma_min), n))}. */
  static double[] exponential(double sigmaMin, double sigmaMax, int numInferenceSteps) {
    double[] lin = NumpyMath.linspace(StrictMath.log(sigmaMax), StrictMath.log(sigmaMin), numInferenceSteps);
    double[] sigmas = new double[lin.length];
    for (int i = 0; i < lin.length; i++) {
      sigmas[i] = StrictMath.exp(lin[i]);
    }
    return sigmas;
  }

  /**
   * {@code _convert_to_lu(in_lambdas, num_inference_steps)} (Lu et al. 2022, rho = 1): a linear ramp from
   * {@code in_lambdas[0]} to {@code in_lambdas[-1]}.
   */
  static double[] lu(double lambdaMin, double lambdaMax, int numInferenceSteps) {
    double[] ramp = NumpyMath.linspace(0, 1, numInferenceSteps);
    double[] lambdas = new double[numInferenceSteps];
    for (int i = 0; i < lambdas.length; i++) {
      lambdas[i] = lambdaMax + ramp[i] * (lambdaMin - lambdaMax); // ** rho with rho = 1 is exact
    }
    return lambdas;
  }

  /**
   * {@code _convert_to_beta(in_sigmas, num_inference_steps, alpha=0.6, beta=0.6)} ("Beta Sampling is All You Need",
   * arXiv 2407.12173): {@code sigma_min + ppf * (sigma_max - sigma_min)} for {@code ppf =
   * scipy.stats.beta.ppf(1 - linspace(0, 1, n), alpha, beta)}. The quantile is solved here by bisection to the last
   * double on the regularized incomplete beta function (accurate to a few 1e-16, like scipy's Boost
   * {@code ibeta_inv}); only the symmetric case alpha = beta, the one diffusers uses, is supported.
   */
  static double[] beta(double sigmaMin, double sigmaMax, int numInferenceSteps, double alpha, double beta) {
    if (alpha != beta) {
      throw new IllegalArgumentException("only symmetric beta sigmas are implemented, got alpha " + alpha
          + ", beta " + beta);
    }
    double[] ramp = NumpyMath.linspace(0, 1, numInferenceSteps);
    double[] sigmas = new double[numInferenceSteps];
    for (int i = 0; i < sigmas.length; i++) {
      double ppf = symmetricBetaPpf(1 - ramp[i], alpha);
      sigmas[i] = sigmaMin + (ppf * (sigmaMax - sigmaMin));
    }
    return sigmas;
  }

  /** The quantile function of Beta(a, a) at q, by bisection on {@link #symmetricBetaCdf}. */
  static double symmetricBetaPpf(double q, double a) {
    if (!(q > 0)) {
      return q == 0 ? 0 : Double.NaN;
    }
    if (q >= 1) {
      return q == 1 ? 1 : Double.NaN;
    }
    if (q == 0.5) {
      return 0.5; // the median of a symmetric distribution; bisection would stop within rounding noise of it
    }
    double lo = 0;
    double hi = 1;
    while (true) {
      double mid = lo + (hi - lo) / 2;
      if (mid <= lo || mid >= hi) {
        // lo and hi are adjacent doubles: take the one whose cdf is closer to q
        return Math.abs(symmetricBetaCdf(lo, a) - q) <= Math.abs(symmetricBetaCdf(hi, a) - q) ? lo : hi;
      }
      if (symmetricBetaCdf(mid, a) < q) {
        lo = mid;
      } else {
        hi = mid;
      }
    }
  }

  /**
   * The regularized incomplete beta function I_x(a, a). The normalising constant B(a, a) is 2 B_{1/2}(a, a) by
   * symmetry, so both come from the same continued fraction and no log-gamma is needed.
   */
  static double symmetricBetaCdf(double x, double a) {
    if (x <= 0) {
      return 0;
    }
    if (x >= 1) {
      return 1;
    }
    double full = 2 * incompleteBetaLower(0.5, a);
    return x <= 0.5 ? incompleteBetaLower(x, a) / full : 1 - incompleteBetaLower(1 - x, a) / full;
  }

  /**
   * B_x(a, a) = x^a (1 - x)^a / a * cf(x) for x &lt;= 1/2, with the modified Lentz evaluation of the continued
   * fraction of the incomplete beta function (Numerical Recipes {@code betacf}), which converges there.
   */
  private static double incompleteBetaLower(double x, double a) {
    double b = a;
    double tiny = 1e-300;
    double qab = a + b;
    double qap = a + 1;
    double qam = a - 1;
    double c = 1;
    double d = 1 - qab * x / qap;
    if (Math.abs(d) < tiny) {
      d = tiny;
    }
    d = 1 / d;
    double h = d;
    for (int m = 1; m <= 10000; m++) {
      int m2 = 2 * m;
      double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
      d = 1 + aa * d;
      if (Math.abs(d) < tiny) {
        d = tiny;
      }
      c = 1 + aa / c;
      if (Math.abs(c) < tiny) {
        c = tiny;
      }
      d = 1 / d;
      h *= d * c;
      aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
      d = 1 + aa * d;
      if (Math.abs(d) < tiny) {
        d = tiny;
      }
      c = 1 + aa / c;
      if (Math.abs(c) < tiny) {
        c = tiny;
      }
      d = 1 / d;
      double del = d * c;
      h *= del;
      if (Math.abs(del - 1) < 1e-17) {
        break;
      }
    }
    return Math.exp(a * Math.log(x) + b * Math.log1p(-x)) / a * h;
  }
}
