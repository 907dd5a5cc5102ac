package dev.vidgen.spi;

import java.util.List;
import java.util.Set;

/**
 * A model family: everything vidgen needs to run the diffusers pipelines of one kind. Found with {@link
 * java.util.ServiceLoader} (register the class in {@code META-INF/services/dev.vidgen.spi.ModelProvider}) and
 * selected deterministically: by id or alias ({@link #id()}, {@link #variants()}), or by the {@code _class_name} in a
 * folder's {@code model_index.json} ({@link #pipelineClasses()}); never by classpath order. Two providers claiming one
 * id, alias or pipeline class is an error naming both.
 *
 * <p>A provider builds its components from the folder's configs (denoiser, scheduler, VAE decoder, text/image
 * encoders) and returns them wired into a {@link ModelPipeline}.
 */
public interface ModelProvider {
  /** The family id, e.g. {@code modelscope}. */
  String id();

  /** One line for {@code vidgen models}. */
  String description();

  /** The names it serves, each with its Hugging Face repositories; the first is the family's default. */
  List<ModelVariant> variants();

  /** diffusers pipeline class names it runs, e.g. {@code TextToVideoSDPipeline}. */
  Set<String> pipelineClasses();

  /** Loads a diffusers folder whose {@code model_index.json} names one of {@link #pipelineClasses()}. */
  ModelPipeline load(ModelIndex index, LoadOptions options);

  /**
   * The names of the provider-specific options it reads from {@link LoadOptions#providerOptions()} (set with
   * {@code VideoPipeline.Builder.option}); by convention prefixed with the id ({@code runway.baseUrl}). Loading refuses
   * any other name, so a misspelt option is an error rather than silently ignored. None by default.
   */
  default Set<String> optionNames() {
    return Set.of();
  }
}
