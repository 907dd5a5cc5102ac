package dev.vidgen.pipeline;

import ai.djl.ndarray.NDManager;
import dev.vidgen.schedulers.Scheduler;
import dev.vidgen.schedulers.Schedulers;
import dev.vidgen.spi.GenerationDefaults;
import dev.vidgen.spi.ModelPipeline;
import dev.vidgen.weights.JsonConfig;

/**
 * What every family's {@link ModelPipeline} shares: the loaded components (owned by one memory manager), the
 * scheduler in use, scheduler views that share the weights, and closing. A family supplies its components record,
 * its {@code generate}, and how to make a view with another scheduler.
 *
 * @param <C> the family's loaded components
 */
public abstract class PipelineBase<C extends PipelineBase.Components> implements ModelPipeline {
  /** What the base needs from a family's components record. */
  public interface Components {
    /** The manager that owns every weight of the pipeline. */
    NDManager manager();

    /** The shipped {@code scheduler/scheduler_config.json}, from which other schedulers are derived. */
    JsonConfig schedulerConfig();

    GenerationDefaults defaults();
  }

  protected final C c;
  protected final Scheduler scheduler;
  private final boolean owner;

  /** @param owner whether closing this pipeline frees the components (false for scheduler views) */
  protected PipelineBase(C components, Scheduler scheduler, boolean owner) {
    this.c = components;
    this.scheduler = scheduler;
    this.owner = owner;
  }

  /**
   * The scheduler a pipeline starts with: the shipped one, or {@code override} (class name or alias) derived from
   * the shipped config as diffusers' {@code from_config} does.
   */
  public static Scheduler schedulerFor(JsonConfig shipped, String override) {
    return override == null ? Schedulers.fromConfig(shipped) : Schedulers.switchTo(shipped, override);
  }

  /** A non-owning view of the same components with another scheduler. */
  protected abstract ModelPipeline withScheduler(C components, Scheduler scheduler);

  @Override
  public final GenerationDefaults defaults() {
    return c.defaults();
  }

  @Override
  public final String schedulerName() {
    return scheduler.className();
  }

  @Override
  public final ModelPipeline withScheduler(String name) {
    return withScheduler(c, Schedulers.switchTo(c.schedulerConfig(), name));
  }

  @Override
  public final long liveNativeArrays() {
    return c.manager().getManagedArrays().size();
  }

  @Override
  public void close() {
    if (owner) {
      c.manager().close();
    }
  }
}
