package dev.vidgen.models.modelscope;

import dev.vidgen.api.VideoPipeline;
import dev.vidgen.hub.EmbeddedModel;
import dev.vidgen.spi.LoadOptions;
import dev.vidgen.spi.ModelIndex;
import dev.vidgen.spi.ModelPipeline;
import dev.vidgen.spi.ModelProvider;
import dev.vidgen.spi.ModelVariant;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/** The ModelScope / ZeroScope family: diffusers' {@code TextToVideoSDPipeline} with a {@code UNet3DConditionModel}. */
public final class ModelScopeProvider implements ModelProvider, VideoPipeline.EmbeddedModels {
  /**
   * A tiny random-weight ModelScope-architecture model shipped in this jar: the diffusers fixture
   * {@code modelscope-tiny} (2 blocks, 16/32 channels, 64x64), copied at build time from the repository's
   * {@code fixtures/}. It runs the whole pipeline in about a second but, having random weights, makes noise.
   */
  static final ModelVariant TINY_RANDOM = new ModelVariant("modelscope-tiny-random", List.of(),
      "tiny random-weight ModelScope (64x64, 8 frames): exercises the pipeline, output is noise",
      "embedded in the jar; random weights, so the video is noise (the trained demo model is 'demo')");
  /**
   * vidgen's own demo model, trained in Java on synthetic clips ({@code vidgen train-demo}): the ModelScope
   * architecture at 2.6M parameters, 32x32, 8 frames. The folder ships in this jar with its model card.
   */
  public static final ModelVariant DEMO = new ModelVariant("demo", List.of(),
      "vidgen's demo model, trained in Java: 'a {red|green|blue|yellow|white} {circle|square|triangle} moving "
          + "{left|right|up|down}' (32x32, 8 frames)",
      "embedded in the jar; knows only the captions it was trained on, see its model card");
  static final ModelVariant MODELSCOPE = new ModelVariant("modelscope",
      List.of("ali-vilab/text-to-video-ms-1.7b", "damo-vilab/text-to-video-ms-1.7b"),
      "ModelScope text-to-video 1.7B (256x256, 16 frames, 8 fps)", "");
  static final ModelVariant ZEROSCOPE_576W = new ModelVariant("zeroscope-v2-576w",
      List.of("cerspense/zeroscope_v2_576w"), "ZeroScope v2 576w (576x320, 24 frames)",
      "the repository ships PyTorch .bin weights only; vidgen reads them with its restricted checkpoint reader, "
          + "which never runs code from a file");
  static final ModelVariant ZEROSCOPE_XL = new ModelVariant("zeroscope-v2-xl", List.of("cerspense/zeroscope_v2_XL"),
      "ZeroScope v2 XL (1024x576, 24 frames)",
      "the repository ships PyTorch .bin weights only; vidgen reads them with its restricted checkpoint reader, "
          + "which never runs code from a file");

  private static final String DEMO_RESOURCE = "/dev/vidgen/models/modelscope/embedded/demo";

  /**
   * Whether this jar holds the trained demo folder (issue 6: it is committed once a training run follows its prompts;
   * until then {@code demo} is not offered and the tiny random model stays the default).
   */
  public static boolean demoShipped() {
    return ModelScopeProvider.class.getResource(DEMO_RESOURCE + "/model_index.json") != null;
  }

  @Override
  public String id() {
    return "modelscope";
  }

  @Override
  public String description() {
    return "ModelScope / ZeroScope text-to-video (diffusers TextToVideoSDPipeline)";
  }

  @Override
  public List<ModelVariant> variants() {
    return demoShipped() ? List.of(MODELSCOPE, ZEROSCOPE_576W, ZEROSCOPE_XL, DEMO, TINY_RANDOM)
        : List.of(MODELSCOPE, ZEROSCOPE_576W, ZEROSCOPE_XL, TINY_RANDOM);
  }

  @Override
  public Set<String> pipelineClasses() {
    return Set.of("TextToVideoSDPipeline");
  }

  @Override
  public Path embedded(ModelVariant variant) {
    if (TINY_RANDOM.equals(variant)) {
      return EmbeddedModel.unpack(ModelScopeProvider.class, "/dev/vidgen/models/modelscope/embedded/tiny-random",
          "modelscope-tiny-random-v1");
    }
    if (DEMO.equals(variant)) {
      // named after the weights' content, so a jar with retrained weights never reuses a stale unpacked copy
      return EmbeddedModel.unpack(ModelScopeProvider.class, DEMO_RESOURCE, "modelscope-demo",
          "unet/diffusion_pytorch_model.safetensors");
    }
    return null;
  }

  @Override
  public ModelPipeline load(ModelIndex index, LoadOptions options) {
    return TextToVideoSDPipeline.load(index, options);
  }
}
