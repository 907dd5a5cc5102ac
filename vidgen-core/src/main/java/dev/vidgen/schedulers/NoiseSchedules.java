package dev.vidgen.schedulers;

import dev.vidgen.weights.JsonConfig;

/**
 * The training noise schedule shared by the discrete-time schedulers: the module-level helpers
 * {@code betas_for_alpha_bar} and {@code rescale_zero_terminal_snr} of diffusers v0.32.2
 * {@code schedulers/scheduling_ddim.py} (copied verbatim into the Euler and DPM-Solver files), and the
 * {@code __init__} lines that build {@code betas} and {@code alphas_cumprod}. Everything stays in torch float32
 * (emulated by {@link TorchMath}), as diffusers computes it.
 */
final class NoiseSchedules {
  private NoiseSchedules() {}

  /**
   * {@code self.betas} of {@code __init__} in float32: {@code trained_betas} if given, else from the schedule.
   *
   * @param config the file, for messages
   */
  static float[] betas(JsonConfig config, BetaSchedule schedule, double betaStart, double betaEnd,
      int numTrainTimesteps, double[] trainedBetas) {
    if (trainedBetas != null) {
      if (trainedBetas.length != numTrainTimesteps) {
        throw config.error("trained_betas", "has " + trainedBetas.length + " entries but num_train_timesteps is "
            + numTrainTimesteps);
      }
      float[] out = new float[trainedBetas.length];
      for (int i = 0; i < out.length; i++) {
        out[i] = (float) trainedBetas[i]; // torch.tensor(trained_betas, dtype=torch.float32)
      }
      return out;
    }
    return switch (schedule) {
      case LINEAR -> TorchMath.linspaceF32(betaStart, betaEnd, numTrainTimesteps);
      case SCALED_LINEAR -> {
        float[] b = TorchMath.linspaceF32(Math.sqrt(betaStart), Math.sqrt(betaEnd), numTrainTimesteps);
        for (int i = 0; i < b.length; i++) {
          b[i] = b[i] * b[i]; // ** 2
        }
        yield b;
      }
      case SQUAREDCOS_CAP_V2 -> {
        double[] d = betasForAlphaBar(numTrainTimesteps, 0.999);
        float[] b = new float[d.length];
        for (int i = 0; i < b.length; i++) {
          b[i] = (float) d[i];
        }
        yield b;
      }
    };
  }

  /**
   * {@code betas_for_alpha_bar(num_diffusion_timesteps, max_beta, alpha_transform_type="cosine")}: Python float
   * arithmetic; the caller converts to float32.
   */
  static double[] betasForAlphaBar(int numDiffusionTimesteps, double maxBeta) {
    double[] betas = new double[numDiffusionTimesteps];
    for (int i = 0; i < numDiffusionTimesteps; i++) {
      double t1 = (double) i / numDiffusionTimesteps;
      double t2 = (double) (i + 1) / numDiffusionTimesteps;
      betas[i] = Math.min(1 - alphaBarCosine(t2) / alphaBarCosine(t1), maxBeta);
    }
    return betas;
  }

  private static double alphaBarCosine(double t) {
    double c = StrictMath.cos((t + 0.008) / 1.008 * Math.PI / 2);
    return c * c;
  }

  /**
   * {@code rescale_zero_terminal_snr(betas)} (arXiv 2305.08891, Algorithm 1) in float32: shift and scale
   * {@code sqrt(alphas_cumprod)} so that the last timestep has zero SNR, then convert back to betas.
   */
  static float[] rescaleZeroTerminalSnr(float[] betas) {
    int n = betas.length;
    float[] alphas = new float[n];
    for (int i = 0; i < n; i++) {
      alphas[i] = 1f - betas[i];
    }
    float[] alphasCumprod = TorchMath.cumprod(alphas);
    float[] alphasBarSqrt = new float[n];
    for (int i = 0; i < n; i++) {
      alphasBarSqrt[i] = (float) Math.sqrt(alphasCumprod[i]);
    }
    float alphasBarSqrt0 = alphasBarSqrt[0];
    float alphasBarSqrtT = alphasBarSqrt[n - 1];
    float scale = alphasBarSqrt0 / (alphasBarSqrt0 - alphasBarSqrtT);
    float[] alphasBar = new float[n];
    for (int i = 0; i < n; i++) {
      float shifted = alphasBarSqrt[i] - alphasBarSqrtT; // alphas_bar_sqrt -= alphas_bar_sqrt_T
      float scaled = shifted * scale; // alphas_bar_sqrt *= alphas_bar_sqrt_0 / (alphas_bar_sqrt_0 - alphas_bar_sqrt_T)
      alphasBar[i] = scaled * scaled; // alphas_bar_sqrt ** 2
    }
    float[] out = new float[n];
    out[0] = 1f - alphasBar[0]; // alphas = cat([alphas_bar[0:1], alphas_bar[1:] / alphas_bar[:-1]])
    for (int i = 1; i < n; i++) {
      out[i] = 1f - alphasBar[i] / alphasBar[i - 1];
    }
    return out;
  }

  /** {@code self.alphas = 1.0 - self.betas; self.alphas_cumprod = torch.cumprod(self.alphas, dim=0)}. */
  static float[] alphasCumprod(float[] betas) {
    float[] alphas = new float[betas.length];
    for (int i = 0; i < alphas.length; i++) {
      alphas[i] = 1f - betas[i];
    }
    return TorchMath.cumprod(alphas);
  }

  /** {@code ((1 - alphas_cumprod) / alphas_cumprod) ** 0.5} in float32 (the sigma of each training timestep). */
  static float[] sigmaTable(float[] alphasCumprod) {
    float[] out = new float[alphasCumprod.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = sigma(alphasCumprod[i]);
    }
    return out;
  }

  /** One entry of {@link #sigmaTable}. */
  static float sigma(float alphaCumprod) {
    float ratio = (1f - alphaCumprod) / alphaCumprod;
    return (float) Math.sqrt(ratio);
  }

  /** The float32 alphas_cumprod of the Euler and DPM-Solver schedulers (zero-SNR: last entry 2**-24). */
  static float[] alphasCumprodWithZeroSnr(float[] betas, boolean rescaleBetasZeroSnr) {
    float[] b = rescaleBetasZeroSnr ? rescaleZeroTerminalSnr(betas) : betas;
    float[] alphasCumprod = alphasCumprod(b);
    if (rescaleBetasZeroSnr) {
      // Close to 0 without being 0 so first sigma is not inf; FP16 smallest positive subnormal works well here
      alphasCumprod[alphasCumprod.length - 1] = 0x1p-24f;
    }
    return alphasCumprod;
  }
}
