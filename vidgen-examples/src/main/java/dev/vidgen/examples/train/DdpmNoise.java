package dev.vidgen.examples.train;

/**
 * The forward (noising) process of DDPM (Ho et al., 2020, eq. 4), {@code x_t = sqrt(ᾱ_t) x_0 + sqrt(1 - ᾱ_t) ε},
 * with the betas of the demo's {@code scheduler_config.json}: diffusers' {@code "scaled_linear"} schedule,
 * {@code betas = linspace(sqrt(beta_start), sqrt(beta_end), T) ** 2}, so that training noises exactly as the
 * {@code DDIMScheduler} denoises. Computed on the host in double precision.
 */
public final class DdpmNoise {
  private final double[] alphasCumprod;

  public DdpmNoise(double betaStart, double betaEnd, int numTrainTimesteps) {
    alphasCumprod = new double[numTrainTimesteps];
    double a = Math.sqrt(betaStart);
    double b = Math.sqrt(betaEnd);
    double prod = 1.0;
    for (int t = 0; t < numTrainTimesteps; t++) {
      double s = numTrainTimesteps == 1 ? a : a + (b - a) * t / (numTrainTimesteps - 1);
      prod *= 1.0 - s * s;
      alphasCumprod[t] = prod;
    }
  }

  /** ModelScope's schedule: scaled-linear betas from 0.00085 to 0.012 over 1000 steps. */
  public static DdpmNoise modelScope() {
    return new DdpmNoise(0.00085, 0.012, 1000);
  }

  public int numTrainTimesteps() {
    return alphasCumprod.length;
  }

  /** {@code ᾱ_t}. */
  public double alphaCumprod(int t) {
    return alphasCumprod[t];
  }
}
