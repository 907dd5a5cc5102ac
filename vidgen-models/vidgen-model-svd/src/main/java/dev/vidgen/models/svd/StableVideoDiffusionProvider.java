package dev.vidgen.models.svd;

import dev.vidgen.spi.LoadOptions;
import dev.vidgen.spi.ModelIndex;
import dev.vidgen.spi.ModelPipeline;
import dev.vidgen.spi.ModelProvider;
import dev.vidgen.spi.ModelVariant;
import java.util.List;
import java.util.Set;

/** The Stable Video Diffusion family: diffusers' {@code StableVideoDiffusionPipeline}, image-to-video. */
public final class StableVideoDiffusionProvider implements ModelProvider {
  static final ModelVariant SVD_XT = new ModelVariant("svd-xt",
      List.of("stabilityai/stable-video-diffusion-img2vid-xt"),
      "Stable Video Diffusion XT image-to-video (1024x576, 25 frames)",
      "gated on Hugging Face: accept the license on the model page and set HF_TOKEN");
  static final ModelVariant SVD = new ModelVariant("svd", List.of("stabilityai/stable-video-diffusion-img2vid"),
      "Stable Video Diffusion image-to-video (1024x576, 14 frames)",
      "gated on Hugging Face: accept the license on the model page and set HF_TOKEN");
  static final ModelVariant SVD_XT_1_1 = new ModelVariant("svd-xt-1-1",
      List.of("stabilityai/stable-video-diffusion-img2vid-xt-1-1"),
      "Stable Video Diffusion XT 1.1 image-to-video (1024x576, 25 frames)",
      "gated on Hugging Face: accept the license on the model page and set HF_TOKEN");

  /** The published checkpoints, whose model cards ask for 1024x576 (their config's sample_size gives 768x768). */
  static final Set<ModelVariant> MODEL_CARD_SIZE = Set.of(SVD_XT, SVD, SVD_XT_1_1);

  @Override
  public String id() {
    return "svd";
  }

  @Override
  public String description() {
    return "Stable Video Diffusion image-to-video (diffusers StableVideoDiffusionPipeline)";
  }

  @Override
  public List<ModelVariant> variants() {
    return List.of(SVD_XT, SVD, SVD_XT_1_1);
  }

  @Override
  public Set<String> pipelineClasses() {
    return Set.of("StableVideoDiffusionPipeline");
  }

  @Override
  public ModelPipeline load(ModelIndex index, LoadOptions options) {
    return StableVideoDiffusionPipeline.load(index, options);
  }
}
