package dev.vidgen.models.ltx;

import dev.vidgen.spi.LoadOptions;
import dev.vidgen.spi.ModelIndex;
import dev.vidgen.spi.ModelPipeline;
import dev.vidgen.spi.ModelProvider;
import dev.vidgen.spi.ModelVariant;
import java.util.List;
import java.util.Set;

/**
 * The LTX-Video family: diffusers' {@code LTXPipeline} (text-to-video, and image-to-video when a request carries a
 * first-frame image) and {@code LTXImageToVideoPipeline} (a folder whose {@code model_index.json} names it). Both
 * load the diffusers folder layout, or a Lightricks single-file checkpoint beside {@code model_index.json} (see
 * {@link LTXPipeline#loadSingleFile}).
 */
public final class LTXProvider implements ModelProvider {
  static final ModelVariant LTX_VIDEO = new ModelVariant("ltx-video", List.of("Lightricks/LTX-Video"),
      "LTX-Video 0.9 text-to-video, or image-to-video with a first-frame image (704x512, 161 frames, 25 fps)", "");

  @Override
  public String id() {
    return "ltx-video";
  }

  @Override
  public String description() {
    return "LTX-Video text-to-video and image-to-video (diffusers LTXPipeline, LTXImageToVideoPipeline: T5 + "
        + "LTXVideoTransformer3DModel + AutoencoderKLLTXVideo)";
  }

  @Override
  public List<ModelVariant> variants() {
    return List.of(LTX_VIDEO);
  }

  @Override
  public Set<String> pipelineClasses() {
    return Set.of("LTXPipeline", "LTXImageToVideoPipeline");
  }

  @Override
  public ModelPipeline load(ModelIndex index, LoadOptions options) {
    return "LTXImageToVideoPipeline".equals(index.pipelineClass()) ? LTXImageToVideoPipeline.load(index, options)
        : LTXPipeline.load(index, options);
  }
}
