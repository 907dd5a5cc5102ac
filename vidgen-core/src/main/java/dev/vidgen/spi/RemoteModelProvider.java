package dev.vidgen.spi;

import dev.vidgen.api.UnsupportedModelException;
import java.util.Set;

/**
 * A provider whose models run somewhere else (a generation service reached over the network) and so have no
 * diffusers folder. Users name its models {@code <id>:<model>}, e.g. {@code runway:gen4.5}: the part before the first
 * colon is {@link #id()}, the rest is passed to {@link #connect} as it is, so a service's new model names work without
 * a vidgen release. {@link #variants()} lists the models it knows (aliases in the {@code <id>:<model>} form), for
 * {@code vidgen models}.
 *
 * <p>{@code VideoPipeline.Builder} resolves such names before looking for folders, and never starts the tensor engine
 * for them.
 */
public interface RemoteModelProvider extends ModelProvider {
  /**
   * Opens a pipeline for {@code model} (the name after {@code <id>:}). Checks the configuration (API key, base URL)
   * at once, without a network request; requests happen in {@link ModelPipeline#generate}.
   *
   * @param options provider options and the matched variant; device, precision, scheduler and variant are the
   *     defaults (the builder refuses others for remote models)
   */
  ModelPipeline connect(String model, LoadOptions options);

  /** Remote models have no diffusers pipeline class. */
  @Override
  default Set<String> pipelineClasses() {
    return Set.of();
  }

  /** Remote models have no folder to load. */
  @Override
  default ModelPipeline load(ModelIndex index, LoadOptions options) {
    throw new UnsupportedModelException(index.folder() + ": provider '" + id() + "' serves remote models ('" + id()
        + ":<model>'), not diffusers folders");
  }
}
