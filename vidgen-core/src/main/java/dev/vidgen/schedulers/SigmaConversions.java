package dev.vidgen.schedulers;

/**
 * The sigma-schedule helpers that diffusers v0.32.2 copies between schedulers: {@code _sigma_to_t},
 * {@code _convert_to_karras}, {@code _convert_to_exponential} (from {@code scheduling_euler_discrete.py}) and
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
}
