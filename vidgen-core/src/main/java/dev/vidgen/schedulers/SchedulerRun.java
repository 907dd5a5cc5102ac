package dev.vidgen.schedulers;

import ai.djl.ndarray.NDArray;

/**
 * One planned run of a {@link Scheduler}: the timesteps and sigmas of {@code set_timesteps}, and the step
 * function. Scalars (alphas, sigmas, coefficients) are computed in double on the host when the run is planned,
 * never read back from the device per step.
 *
 * <p>Memory contract: {@link #scaleModelInput} and {@link #step} return new arrays created in the manager of the
 * sample (the pipeline runs each step inside an {@code NDScope} and keeps only the result). A solver that keeps
 * arrays across steps (DPM-Solver++ history) must {@code NDScope.unregister} them and close them when they leave
 * the history or when the run is {@link #close() closed}.
 */
public interface SchedulerRun extends AutoCloseable {
  /** {@code scheduler.timesteps} after {@code set_timesteps}: integers for discrete schedulers, fractional for continuous ones. */
  double[] timesteps();

  /** {@code scheduler.sigmas} (length timesteps + 1), or null for schedulers without sigmas (DDIM). */
  double[] sigmas();

  /** {@code scheduler.init_noise_sigma}: the initial latents are noise times this. */
  double initNoiseSigma();

  /** Number of steps ({@code timesteps().length}). */
  default int size() {
    return timesteps().length;
  }

  /** diffusers' {@code scale_model_input(sample, timesteps[stepIndex])}; identity for most schedulers. */
  NDArray scaleModelInput(NDArray sample, int stepIndex);

  /** diffusers' {@code step(model_output, timesteps[stepIndex], sample).prev_sample}. Steps must be taken in order. */
  NDArray step(NDArray modelOutput, int stepIndex, NDArray sample);

  /** Frees solver history. Idempotent. */
  @Override
  void close();
}
