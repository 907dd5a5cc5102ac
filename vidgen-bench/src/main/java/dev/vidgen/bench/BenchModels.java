package dev.vidgen.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonArray;
import dev.vidgen.models.autoencoders.AutoencoderKL;
import dev.vidgen.models.autoencoders.AutoencoderKLConfig;
import dev.vidgen.models.modelscope.UNet3DConditionModel;
import dev.vidgen.models.modelscope.UNet3DConfig;
import dev.vidgen.pipeline.EngineSetup;
import dev.vidgen.text.CLIPTextConfig;
import dev.vidgen.text.CLIPTextModel;
import dev.vidgen.weights.JsonConfig;
import dev.vidgen.weights.RandomWeights;
import dev.vidgen.weights.WeightLoader;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * The models the benchmarks run, built from real configs with {@link RandomWeights} (timing does not depend on the
 * weights' values, and no checkpoint is needed). The configs are copied at build time from the repository's
 * {@code fixtures/} into this jar's resources (see the module's pom):
 *
 * <ul>
 *   <li>{@code tiny}: the diffusers test fixture {@code modelscope-tiny} (2 blocks, 16/32 channels);
 *   <li>{@code modelscope-shaped}: ModelScope text-to-video-ms-1.7b's {@code unet/config.json} (3 cross-attention
 *       down blocks + 1 plain, mirrored up blocks, 2 layers per block, head dim 64, 32 norm groups,
 *       cross-attention dim 1024) with {@code block_out_channels} [128, 256, 512, 512]: 237M parameters;
 *   <li>{@code modelscope}: the real config unchanged (320/640/1280/1280, 1.4B parameters), for the long profile.
 * </ul>
 *
 * The text encoder and VAE that go with the ModelScope-shaped UNet are the real ModelScope ones (OpenCLIP ViT-H
 * text tower, 23 layers of 1024; the Stable Diffusion VAE), also with random weights.
 */
final class BenchModels {
  static final String RESOURCES = "/dev/vidgen/bench/";
  static final List<Integer> SHAPED_CHANNELS = List.of(128, 256, 512, 512);
  /** Seed of every random weight set (any fixed value: the benchmarks must be repeatable). */
  static final long WEIGHT_SEED = 20250101L;

  private BenchModels() {}

  /**
   * The benchmark settings of issue 7: {@code small} = 128×128 pixels, 8 frames (latents 16×16); {@code medium} =
   * 256×256, 16 frames (latents 32×32, ModelScope's default size). Classifier-free guidance doubles the batch.
   */
  enum Setting {
    SMALL(8, 16),
    MEDIUM(16, 32);

    final int frames;
    final int latent;

    Setting(int frames, int latent) {
      this.frames = frames;
      this.latent = latent;
    }

    int pixels() {
      return latent * 8;
    }

    static Setting of(String name) {
      return valueOf(name.trim().toUpperCase(Locale.ROOT));
    }
  }

  /** A model and the manager holding its weights; closing it frees them. */
  record Built<T>(T model, NDManager manager, long parameters) implements AutoCloseable {
    @Override
    public void close() {
      manager.close();
    }
  }

  /** A config shipped in this jar (copied from {@code fixtures/} at build time). */
  static JsonConfig resourceConfig(String name) {
    return JsonConfig.parse(name, resourceText(name));
  }

  static String resourceText(String name) {
    try (InputStream in = BenchModels.class.getResourceAsStream(RESOURCES + name)) {
      if (in == null) {
        throw new IllegalStateException("resource " + RESOURCES + name + " is missing from the class path: build "
            + "the bench module with Maven (it copies the configs from fixtures/)");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The {@code unet/config.json} of a named benchmark config: {@code tiny}, {@code modelscope-shaped} or {@code
   * modelscope}.
   */
  static JsonConfig unetJson(String config) {
    switch (config) {
      case "tiny":
        return resourceConfig("tiny/unet/config.json");
      case "modelscope":
        return resourceConfig("modelscope/unet/config.json");
      case "modelscope-shaped": {
        JsonArray channels = new JsonArray();
        SHAPED_CHANNELS.forEach(channels::add);
        return resourceConfig("modelscope/unet/config.json").with("block_out_channels", channels);
      }
      default:
        throw new IllegalArgumentException("unknown UNet config '" + config
            + "': expected tiny, modelscope-shaped or modelscope");
    }
  }

  static UNet3DConfig unetConfig(String config) {
    return UNet3DConfig.parse(unetJson(config));
  }

  /** The real ModelScope VAE config (Stable Diffusion's AutoencoderKL, 128/256/512/512). */
  static JsonConfig vaeJson() {
    return resourceConfig("modelscope/vae/config.json");
  }

  /** The real ModelScope text encoder config (OpenCLIP ViT-H/14 text tower: 23 layers, width 1024). */
  static JsonConfig textEncoderJson() {
    return resourceConfig("modelscope/text_encoder/config.json");
  }

  static Built<UNet3DConditionModel> randomUNet(UNet3DConfig config) {
    return build(loader -> new UNet3DConditionModel(config, loader.root()));
  }

  static Built<AutoencoderKL> randomVae(AutoencoderKLConfig config) {
    return build(loader -> new AutoencoderKL(config, loader.root()));
  }

  static Built<CLIPTextModel> randomTextEncoder(CLIPTextConfig config) {
    return build(loader -> new CLIPTextModel(config, loader.root()));
  }

  /** Builds a model on random weights in a fresh base manager and counts its parameters. */
  static <T> Built<T> build(Function<WeightLoader, T> constructor) {
    NDManager manager = NDManager.newBaseManager(ai.djl.Device.cpu(), "PyTorch");
    try {
      WeightLoader loader = new WeightLoader(new RandomWeights(WEIGHT_SEED), manager, DataType.FLOAT32);
      T model = constructor.apply(loader);
      return new Built<>(model, manager, parameterCount(loader.parameters()));
    } catch (RuntimeException e) {
      manager.close();
      throw e;
    }
  }

  static long parameterCount(Map<String, NDArray> parameters) {
    long n = 0;
    for (NDArray a : parameters.values()) {
      n += a.getShape().size();
    }
    return n;
  }

  /**
   * Starts libtorch with vidgen's settings; {@code -Dvidgen.threads=N} sets its intra-op threads (default: the
   * number of cores, libtorch's own default). Returns the thread count in use.
   */
  static int engine() {
    EngineSetup.engine();
    String t = System.getProperty("vidgen.threads");
    if (t != null && !t.isBlank()) {
      EngineSetup.setThreads(Integer.parseInt(t.trim()));
    }
    return EngineSetup.threads();
  }

  /** One line naming the libtorch thread count, printed by every benchmark's setup (it lands in JMH's log). */
  static String threadsLine() {
    int intra = engine();
    return "libtorch intra-op threads: " + intra + ", inter-op threads: "
        + ai.djl.pytorch.jni.JniUtils.getNumInteropThreads() + " (cores: " + Runtime.getRuntime().availableProcessors()
        + "; set with -Dvidgen.threads=N or VideoPipeline.builder().threads(n))";
  }
}
