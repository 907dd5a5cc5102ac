package dev.vidgen.schedulers;

/**
 * A diffusers-compatible sampler, built from a {@code scheduler_config.json} (see {@link Schedulers}). Immutable
 * and shareable: all per-generation state lives in the {@link SchedulerRun} that {@link #start} returns.
 *
 * <p>The split mirrors candle's {@code SchedulerConfig::build}: config + plan (host doubles, computed once) + a
 * pure-ish step that allocates only its result (and, for multistep solvers, the history it keeps).
 */
public interface Scheduler {
  /** The diffusers class name, e.g. {@code DDIMScheduler}. */
  String className();

  /** The config this scheduler was built from (diffusers' {@code scheduler.config}). */
  dev.vidgen.weights.JsonConfig config();

  /**
   * Plans a run of {@code numInferenceSteps} (diffusers' {@code set_timesteps}) and returns its state. The caller
   * closes the run, which frees any history a multistep solver keeps.
   */
  SchedulerRun start(int numInferenceSteps, SchedulerOptions options);
}
