package dev.vidgen.spi;

import dev.vidgen.api.GenerationRequest;
import dev.vidgen.api.Video;

/**
 * A loaded model family recipe: the only place that knows the order of its components. Owns its native memory
 * (closed by {@link #close()}). Used by one thread at a time.
 */
public interface ModelPipeline extends AutoCloseable {
  /** The diffusers pipeline class it reproduces. */
  String pipelineClass();

  /** The defaults of this model, filled into requests that leave a field unset. */
  GenerationDefaults defaults();

  /** The scheduler class in use. */
  String schedulerName();

  /**
   * A view of this pipeline with another scheduler (class name or alias), sharing the loaded weights, built the
   * way diffusers' {@code from_config(pipe.scheduler.config)} builds it. Closing the view does not free the
   * weights; closing the original does.
   */
  ModelPipeline withScheduler(String scheduler);

  /**
   * Whether {@link #generate} takes {@link GenerationRequest#imageUri()} (an image given by address, which remote
   * services fetch themselves). Local pipelines need the pixels and do not; {@link dev.vidgen.api.VideoPipeline}
   * refuses such requests for them.
   */
  default boolean acceptsImageUri() {
    return false;
  }

  /** Generates. {@code modelName} is what the user loaded, for {@link dev.vidgen.api.GenerationInfo}. */
  Video generate(GenerationRequest request, String modelName);

  /**
   * Diagnostic: the number of native arrays this pipeline's memory manager holds now (weights included). Equal
   * before and after every generation when nothing leaks; the leak tests and the memory harness watch it.
   */
  long liveNativeArrays();

  @Override
  void close();
}
