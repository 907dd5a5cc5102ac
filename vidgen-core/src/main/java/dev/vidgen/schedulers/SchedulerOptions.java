package dev.vidgen.schedulers;

import dev.vidgen.noise.NoiseSource;

/**
 * Per-run inputs of a scheduler beyond the step count.
 *
 * @param eta DDIM's eta (0 = deterministic); ignored by other schedulers
 * @param noise the seeded source for noise drawn inside {@code step()} (ancestral samplers, DDIM with eta &gt; 0);
 *     null when the scheduler is deterministic
 * @param mu flow matching: the shift parameter of dynamic shifting ({@code set_timesteps(mu=...)}), or null
 * @param sigmas caller-given sigmas ({@code set_timesteps(sigmas=...)}), or null
 */
public record SchedulerOptions(double eta, NoiseSource noise, Double mu, double[] sigmas) {
  public static final SchedulerOptions DEFAULT = new SchedulerOptions(0.0, null, null, null);

  public SchedulerOptions withEta(double eta) {
    return new SchedulerOptions(eta, noise, mu, sigmas);
  }

  public SchedulerOptions withNoise(NoiseSource noise) {
    return new SchedulerOptions(eta, noise, mu, sigmas);
  }

  public SchedulerOptions withMu(Double mu) {
    return new SchedulerOptions(eta, noise, mu, sigmas);
  }

  public SchedulerOptions withSigmas(double[] sigmas) {
    return new SchedulerOptions(eta, noise, mu, sigmas == null ? null : sigmas.clone());
  }
}
