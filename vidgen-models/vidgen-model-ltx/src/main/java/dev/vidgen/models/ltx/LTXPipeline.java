package dev.vidgen.models.ltx;

import static com.google.common.base.Preconditions.checkArgument;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.vidgen.api.ConfigException;
import dev.vidgen.api.GenerationInfo;
import dev.vidgen.api.GenerationRequest;
import dev.vidgen.api.HostTensor;
import dev.vidgen.api.Video;
import dev.vidgen.noise.TorchGenerator;
import dev.vidgen.pipeline.PipelineBase;
import dev.vidgen.pipeline.Denoising;
import dev.vidgen.pipeline.Recorder;
import dev.vidgen.schedulers.Scheduler;
import dev.vidgen.schedulers.SchedulerOptions;
import dev.vidgen.schedulers.SchedulerRun;
import dev.vidgen.spi.GenerationDefaults;
import dev.vidgen.spi.LoadOptions;
import dev.vidgen.spi.ModelIndex;
import dev.vidgen.spi.ModelPipeline;
import dev.vidgen.text.T5EncoderModel;
import dev.vidgen.text.T5Tokenizer;
import dev.vidgen.weights.JsonConfig;
import dev.vidgen.weights.SafetensorsWeights;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Port of diffusers v0.32.2 {@code pipelines/ltx/pipeline_ltx.py} ({@code LTXPipeline}): T5 prompt encoding
 * (padded to {@code max_sequence_length}, with its attention mask) and classifier-free guidance, flow-matching
 * denoising of packed latent tokens with {@link LTXVideoTransformer3DModel} (sigmas {@code linspace(1, 1/N, N)},
 * resolution-dependent shift {@code mu}), then un-packing, de-normalisation with the VAE's latent statistics and
 * {@link AutoencoderKLLTXVideo} decoding (timestep-conditioned for the 0.9.1 VAE). Recorded stage names are
 * those of the ltx-tiny reference fixture.
 *
 * <p>A request with a first-frame image runs {@link LTXImageToVideoPipeline}'s recipe on the same components. The
 * weights come from the diffusers folder layout or from a Lightricks single-file checkpoint ({@link
 * #loadSingleFile}).
 */
public final class LTXPipeline extends PipelineBase<LTXPipeline.Components> {
  /** diffusers' {@code LTXPipeline.__call__} defaults. */
  static final int DEFAULT_MAX_SEQUENCE_LENGTH = 128;

  record Components(NDManager manager, DataType dtype, T5Tokenizer tokenizer, T5EncoderModel textEncoder,
      LTXVideoTransformer3DModel transformer, AutoencoderKLLTXVideo vae, JsonConfig schedulerConfig,
      GenerationDefaults defaults) implements PipelineBase.Components {}

  /** Loaded components and the scheduler to start with. */
  record Loaded(Components components, Scheduler scheduler) {}

  private LTXPipeline(Components c, Scheduler scheduler, boolean owner) {
    super(c, scheduler, owner);
  }

  @Override
  protected ModelPipeline withScheduler(Components components, Scheduler other) {
    return new LTXPipeline(components, other, false);
  }

  /**
   * Loads every component of a diffusers LTX-Video folder; a failure releases what was already loaded. When
   * {@code transformer/} and {@code vae/} hold only their {@code config.json} and the folder holds one {@code
   * *.safetensors} beside {@code model_index.json}, that file is read as a single-file checkpoint (see {@link
   * #loadSingleFile}).
   */
  public static LTXPipeline load(ModelIndex index, LoadOptions options) {
    Loaded l = loadComponents(index, options);
    return new LTXPipeline(l.components(), l.scheduler(), true);
  }

  /**
   * Loads a Lightricks single-file checkpoint (e.g. {@code ltx-video-2b-v0.9.1.safetensors}: transformer and VAE
   * under the original LTX-Video key names), renamed to diffusers names as diffusers' {@code from_single_file}
   * does ({@link LTXSingleFileConversion}), with the other components and the configs from {@code configFolder}.
   * The expected layout of {@code configFolder} is a diffusers LTX-Video folder in which only these are needed:
   *
   * <pre>
   * tokenizer/      the T5 tokenizer files
   * text_encoder/   config.json and the T5 weights
   * scheduler/      scheduler_config.json
   * transformer/    config.json (weights, if any, are not read)
   * vae/            config.json (weights, if any, are not read)
   * </pre>
   *
   * The configs must describe the checkpoint's version (0.9.1 files need the 0.9.1 {@code vae/config.json},
   * with {@code timestep_conditioning: true}); loading is strict, so a mismatch, or any tensor of the file that
   * no model takes, is an error naming the tensors. A folder laid out like this with the checkpoint beside its
   * {@code model_index.json} also loads through {@link #load} and {@code VideoPipeline.load(folder)}.
   */
  public static LTXPipeline loadSingleFile(Path checkpoint, Path configFolder, LoadOptions options) {
    if (!Files.isRegularFile(checkpoint)) {
      throw new ConfigException("single-file checkpoint " + checkpoint + " does not exist");
    }
    ModelIndex index = Files.isRegularFile(configFolder.resolve("model_index.json")) ? ModelIndex.read(configFolder)
        : new ModelIndex(configFolder, "LTXPipeline", Map.of());
    Loaded l = loadComponents(index, options, checkpoint);
    return new LTXPipeline(l.components(), l.scheduler(), true);
  }

  /** The components of a folder (its own weights, or the single-file checkpoint beside model_index.json). */
  static Loaded loadComponents(ModelIndex index, LoadOptions options) {
    Path transformerDir = index.componentDir("transformer");
    Path single = null;
    if (!holdsWeights(transformerDir)) {
      single = singleFileCheckpointIn(index.folder());
      if (single == null) {
        throw new ConfigException(transformerDir + " holds no weights, and " + index.folder() + " holds no "
            + "single-file checkpoint (one *.safetensors beside model_index.json, e.g. "
            + "ltx-video-2b-v0.9.1.safetensors)");
      }
    }
    return loadComponents(index, options, single);
  }

  /** @param singleFile the transformer + VAE checkpoint under original names, or null for the folder's weights */
  private static Loaded loadComponents(ModelIndex index, LoadOptions options, Path singleFile) {
    if (singleFile != null && options.variant() != null) {
      throw new ConfigException("weight variant '" + options.variant() + "' does not apply to the single-file "
          + "checkpoint " + singleFile + " (it is one file); load it without a variant");
    }
    NDManager manager = NDManager.newBaseManager(options.device(), "PyTorch");
    try {
      DataType dtype = options.dataType();
      T5Tokenizer tokenizer = T5Tokenizer.load(index.componentDir("tokenizer"));
      String variant = options.variant();
      T5EncoderModel text = T5EncoderModel.load(index.componentDir("text_encoder"), manager, dtype, variant);
      LTXVideoTransformer3DModel transformer;
      AutoencoderKLLTXVideo vae;
      if (singleFile == null) {
        transformer = LTXVideoTransformer3DModel.load(index.componentDir("transformer"), manager, dtype, variant);
        vae = AutoencoderKLLTXVideo.load(index.componentDir("vae"), manager, dtype, variant);
      } else {
        LTXVideoTransformer3DConfig trCfg = LTXVideoTransformer3DConfig.parse(
            JsonConfig.read(index.componentDir("transformer").resolve("config.json")));
        Path vaeConfigFile = index.componentDir("vae").resolve("config.json");
        AutoencoderKLLTXVideoConfig vaeCfg = AutoencoderKLLTXVideoConfig.parse(JsonConfig.read(vaeConfigFile));
        try (SafetensorsWeights file = SafetensorsWeights.open(singleFile)) {
          LTXSingleFileConversion.checkLayout(file);
          boolean v091 = LTXSingleFileConversion.isVersion091(file);
          if (v091 != vaeCfg.timestepConditioning()) {
            throw new ConfigException(singleFile + " holds the LTX-Video " + (v091 ? "0.9.1" : "0.9.0")
                + " VAE (" + (v091 ? "with " : "without ") + LTXSingleFileConversion.VAE_091_MARKER + ") but "
                + vaeConfigFile + " has timestep_conditioning=" + vaeCfg.timestepConditioning()
                + "; use the vae/config.json of that version");
          }
          transformer = LTXVideoTransformer3DModel.load(trCfg, LTXSingleFileConversion.transformer(file), manager,
              dtype);
          vae = AutoencoderKLLTXVideo.load(vaeCfg, LTXSingleFileConversion.vae(file), manager, dtype);
        }
      }
      JsonConfig schedulerConfig = JsonConfig.read(index.componentDir("scheduler").resolve("scheduler_config.json"));
      Scheduler scheduler = schedulerFor(schedulerConfig, options.scheduler());
      // diffusers: height 512, width 704, 161 frames, 50 steps, guidance 3.0, frame_rate 25; sizes multiple of 32.
      GenerationDefaults defaults = new GenerationDefaults(704, 512, 161, 50, 3.0, 25, 32,
          "LTXPipeline requires multiples of 32");
      return new Loaded(new Components(manager, dtype, tokenizer, text, transformer, vae, schedulerConfig,
          defaults), scheduler);
    } catch (RuntimeException e) {
      manager.close();
      throw e;
    }
  }

  private static boolean holdsWeights(Path componentDir) {
    try (Stream<Path> files = Files.list(componentDir)) {
      return files.map(f -> f.getFileName().toString())
          .anyMatch(n -> n.endsWith(".safetensors") || n.endsWith(".safetensors.index.json") || n.endsWith(".bin")
              || n.endsWith(".bin.index.json"));
    } catch (IOException e) {
      throw new ConfigException("cannot list " + componentDir + ": " + e.getMessage());
    }
  }

  /** The one {@code *.safetensors} file beside model_index.json, or null; several are an error naming them. */
  static Path singleFileCheckpointIn(Path folder) {
    List<Path> found;
    try (Stream<Path> files = Files.list(folder)) {
      found = files.filter(f -> Files.isRegularFile(f) && f.getFileName().toString().endsWith(".safetensors"))
          .sorted().toList();
    } catch (IOException e) {
      throw new ConfigException("cannot list " + folder + ": " + e.getMessage());
    }
    if (found.size() > 1) {
      throw new ConfigException(folder + " holds " + found.size() + " single-file checkpoints " + found.stream()
          .map(f -> f.getFileName().toString()).toList() + "; keep one, or load one with LTXPipeline.loadSingleFile");
    }
    return found.isEmpty() ? null : found.get(0);
  }

  @Override
  public String pipelineClass() {
    return "LTXPipeline";
  }

  /** {@code calculate_shift}: the dynamic-shift {@code mu} for a token count, interpolated linearly. */
  static double calculateShift(long imageSeqLen, JsonConfig schedulerConfig) {
    double baseSeqLen = schedulerConfig.getInt("base_image_seq_len", 256);
    double maxSeqLen = schedulerConfig.getInt("max_image_seq_len", 4096);
    double baseShift = schedulerConfig.getDouble("base_shift", 0.5);
    double maxShift = schedulerConfig.getDouble("max_shift", 1.16);
    double m = (maxShift - baseShift) / (maxSeqLen - baseSeqLen);
    double b = baseShift - m * baseSeqLen;
    return imageSeqLen * m + b;
  }

  /** {@code np.linspace(1.0, 1 / n, n)}. */
  static double[] defaultSigmas(int n) {
    double[] s = new double[n];
    double stop = 1.0 / n;
    double step = n > 1 ? (stop - 1.0) / (n - 1) : 0;
    for (int i = 0; i < n; i++) {
      s[i] = i * step + 1.0;
    }
    s[n - 1] = stop;
    return s;
  }

  /**
   * Text-to-video; with {@link GenerationRequest#image()} set, image-to-video through {@link
   * LTXImageToVideoPipeline} on the same loaded components (diffusers keeps the two recipes in two classes that load
   * the same folder).
   */
  @Override
  public Video generate(GenerationRequest req, String modelName) {
    if (req.image() != null) {
      return new LTXImageToVideoPipeline(c, scheduler, false).generate(req, modelName);
    }
    Settings s = Settings.of(req, c.defaults());
    LatentGrid g = LatentGrid.of(c, s);
    Shape unpackedShape = g.unpackedShape();
    Shape packedShape = g.packedShape();
    HostTensor given = req.initialLatents();
    if (given != null) {
      checkArgument(Arrays.equals(given.shape(), packedShape.getShape())
          || Arrays.equals(given.shape(), unpackedShape.getShape()),
          "initialLatents have shape %s, expected packed latents %s ([batch, latent frames*height*width, channels]) "
              + "or unpacked noise %s ([batch, channels, latent frames, height, width])",
          Arrays.toString(given.shape()), packedShape, unpackedShape);
    }
    Recorder rec = new Recorder(req.recorder());
    long t0 = System.nanoTime();
    TorchGenerator generator = new TorchGenerator(s.seed());
    // The outer scope frees every array made during the call, whatever manager it landed in (results of ops on
    // weights belong to the weights' manager); the step scopes inside keep the peak at one step.
    try (NDScope call = new NDScope(); NDManager run = c.manager().newSubManager()) {
      // 3. prompt embeddings and masks; row 0 of the guidance batch is the negative prompt
      Prompt prompt = encodePrompt(c, run, req, s, rec);
      long t1 = System.nanoTime();

      // 4. initial latents: noise (B, C, F, H, W) packed to tokens (B, F*H*W, C)
      int p = g.patchSize();
      int pt = g.patchSizeT();
      NDArray latents;
      if (given != null && given.rank() == 5) {
        NDArray noise = run.create(given.data(), unpackedShape);
        rec.record("latents.initial_unpacked", noise);
        latents = packLatents(noise, p, pt);
        noise.close();
      } else if (given != null) {
        latents = run.create(given.data(), packedShape);
        rec.record("latents.initial_unpacked", unpackLatents(latents, g.numFrames(), g.height(), g.width(), p, pt));
      } else {
        NDArray noise = generator.randn(run, unpackedShape);
        rec.record("latents.initial_unpacked", noise);
        latents = packLatents(noise, p, pt);
        noise.close();
      }
      rec.record("latents.initial", latents);

      // 5. timesteps: sigmas linspace(1, 1/N, N) shifted by mu(video_sequence_length)
      boolean cfg = s.cfg();
      double[] ropeInterpolationScale = g.ropeInterpolationScale(s.frameRate());
      try (SchedulerRun plan = startScheduler(scheduler, c, s, g, generator, rec)) {
        NDArray initScaled = latents.mul((float) plan.initNoiseSigma());
        latents.close();
        latents = initScaled;

        // 6. the denoising loop
        latents = Denoising.run(latents, plan.size(), (i, lat) -> {
          NDArray modelInput = plan.scaleModelInput(cfg ? lat.concat(lat, 0) : lat, i); // (2B, seq, C)
          long batch = modelInput.getShape().get(0);
          float t = (float) plan.timesteps()[i];
          NDArray timestep = run.full(new Shape(batch), t); // t.expand(batch)
          NDArray noisePred = predict(c, i, modelInput, timestep, prompt, g, ropeInterpolationScale, rec);
          if (cfg) {
            noisePred = Denoising.guide(noisePred, s.guidance());
          }
          NDArray stepTimestep = run.create(new float[] {t});
          rec.record("scheduler.step" + i + ".model_output", noisePred);
          rec.record("scheduler.step" + i + ".timestep", stepTimestep);
          if (i == 0) {
            rec.record("scheduler.step0.sample", lat);
          }
          NDArray next = plan.step(noisePred, i, lat);
          if (i == 0) {
            rec.record("scheduler.step0.prev_sample", next);
          }
          rec.record("latents.after_step" + i, next);
          return next;
        }, req, t0, "LTXVideoTransformer3DModel");
      }
      rec.record("latents.final", latents);
      long t2 = System.nanoTime();

      // 7. un-pack, de-normalise, (0.9.1) mix decode noise, decode
      Decoded video = decode(c, run, latents, s, g, generator, rec);
      long t3 = System.nanoTime();
      GenerationInfo info = new GenerationInfo(modelName, pipelineClass(), req.prompt(),
          given != null && req.seed() == null ? -1 : s.seed(), s.steps(), s.guidance(), scheduler.className(),
          Duration.ofNanos(t1 - t0), Duration.ofNanos(t2 - t1), Duration.ofNanos(t3 - t2));
      return new Video(video.pixels(), video.frames(), s.height(), s.width(), s.frameRate(), info);
    }
  }

  /**
   * The arguments of diffusers' {@code __call__} that both LTX recipes share, with the model's defaults for the
   * fields a request leaves unset.
   */
  record Settings(int height, int width, int numFrames, int steps, double guidance, int frameRate,
      int maxSequenceLength, double decodeTimestep, double decodeNoiseScale, long seed) {
    /** {@code do_classifier_free_guidance}. */
    boolean cfg() {
      return guidance > 1.0;
    }

    static Settings of(GenerationRequest req, GenerationDefaults d) {
      int height = req.height() != null ? req.height() : d.height();
      int width = req.width() != null ? req.width() : d.width();
      checkArgument(height % d.sizeMultiple() == 0 && width % d.sizeMultiple() == 0,
          "height and width must be divisible by %s (%s), got %sx%s", d.sizeMultiple(), d.sizeMultipleReason(),
          width, height);
      double decodeTimestep = req.decodeTimestep() != null ? req.decodeTimestep() : 0.0;
      return new Settings(height, width, req.frames() != null ? req.frames() : d.frames(),
          req.steps() != null ? req.steps() : d.steps(),
          req.guidanceScale() != null ? req.guidanceScale() : d.guidanceScale(),
          req.fps() != null ? req.fps() : d.fps(),
          req.maxSequenceLength() != null ? req.maxSequenceLength() : DEFAULT_MAX_SEQUENCE_LENGTH,
          decodeTimestep, req.decodeNoiseScale() != null ? req.decodeNoiseScale() : decodeTimestep,
          req.seed() != null ? req.seed() : new SecureRandom().nextLong() & Long.MAX_VALUE);
    }
  }

  /**
   * The latent grid of a request: {@code latent_num_frames}, {@code latent_height}, {@code latent_width}, the
   * transformer's patch sizes and channels, the VAE's compression ratios.
   */
  record LatentGrid(int numFrames, int height, int width, int patchSize, int patchSizeT, int channels,
      int temporalRatio, int spatialRatio) {
    static LatentGrid of(Components c, Settings s) {
      AutoencoderKLLTXVideoConfig vaeCfg = c.vae().config();
      LTXVideoTransformer3DConfig trCfg = c.transformer().config();
      int temporalRatio = vaeCfg.temporalCompressionRatio();
      int spatialRatio = vaeCfg.spatialCompressionRatio();
      return new LatentGrid((s.numFrames() - 1) / temporalRatio + 1, s.height() / spatialRatio,
          s.width() / spatialRatio, trCfg.patchSize(), trCfg.patchSizeT(), trCfg.inChannels(), temporalRatio,
          spatialRatio);
    }

    /** {@code (1, C, F, H, W)}. */
    Shape unpackedShape() {
      return new Shape(1, channels, numFrames, height, width);
    }

    /** {@code (1, F/pt * H/p * W/p, C*pt*p*p)}. */
    Shape packedShape() {
      long seqLen = (long) (numFrames / patchSizeT) * (height / patchSize) * (width / patchSize);
      return new Shape(1, seqLen, (long) channels * patchSizeT * patchSize * patchSize);
    }

    /** {@code (1 / latent_frame_rate, spatial ratio, spatial ratio)}, latent frame rate = frame_rate / ratio. */
    double[] ropeInterpolationScale(int frameRate) {
      double latentFrameRate = (double) frameRate / temporalRatio;
      return new double[] {1 / latentFrameRate, spatialRatio, spatialRatio};
    }
  }

  /** Prompt embeddings {@code (B or 2B, L, d_model)} and their 0/1 mask {@code (B or 2B, L)}. */
  record Prompt(NDArray embeds, NDArray mask) {}

  /**
   * {@code encode_prompt}, then, with guidance, {@code torch.cat([negative, prompt])} for the embeddings and the
   * masks.
   */
  static Prompt encodePrompt(Components c, NDManager run, GenerationRequest req, Settings s, Recorder rec) {
    Prompt prompt = encode(c, run, req.prompt(), s.maxSequenceLength(), "prompt", "text.prompt_embeds", rec);
    if (!s.cfg()) {
      return prompt;
    }
    String negativeText = req.negativePrompt() == null ? "" : req.negativePrompt();
    Prompt negative = encode(c, run, negativeText, s.maxSequenceLength(), "negative", "text.negative_embeds", rec);
    return new Prompt(negative.embeds().concat(prompt.embeds(), 0), // (2, L, d_model)
        negative.mask().concat(prompt.mask(), 0)); // (2, L)
  }

  /** {@code _get_t5_prompt_embeds}: ids padded to {@code maxLen}, the encoder run without the mask. */
  private static Prompt encode(Components c, NDManager run, String text, int maxLen, String idsStage,
      String embedsStage, Recorder rec) {
    T5Tokenizer.Encoding enc = c.tokenizer().encode(text, maxLen);
    NDArray ids = run.create(enc.inputIds(), new Shape(1, maxLen));
    rec.record(idsStage + ".input_ids", ids);
    NDArray embeds = c.textEncoder().forward(ids, null);
    rec.record(embedsStage, embeds);
    long[] m = enc.attentionMask();
    float[] mf = new float[m.length];
    for (int i = 0; i < m.length; i++) {
      mf[i] = m[i];
    }
    return new Prompt(embeds, run.create(mf, new Shape(1, maxLen)));
  }

  /**
   * {@code retrieve_timesteps(scheduler, sigmas=linspace(1, 1/N, N), mu=calculate_shift(video_sequence_length))};
   * records the timesteps and sigmas.
   */
  static SchedulerRun startScheduler(Scheduler scheduler, Components c, Settings s, LatentGrid g,
      TorchGenerator generator, Recorder rec) {
    long videoSequenceLength = (long) g.numFrames() * g.height() * g.width();
    double mu = calculateShift(videoSequenceLength, c.schedulerConfig());
    SchedulerOptions opts = SchedulerOptions.DEFAULT.withSigmas(defaultSigmas(s.steps())).withMu(mu)
        .withNoise((m, shape) -> generator.randn(m, shape));
    SchedulerRun plan = scheduler.start(s.steps(), opts);
    rec.record("scheduler.timesteps", plan.timesteps(), plan.size());
    if (plan.sigmas() != null) {
      rec.record("scheduler.sigmas", plan.sigmas(), plan.sigmas().length);
    }
    return plan;
  }

  /**
   * One transformer call, {@code noise_pred = transformer(...).float()}, recording its inputs and output.
   *
   * @param timestep {@code (2B)} or per token {@code (2B, seq)}
   */
  static NDArray predict(Components c, int i, NDArray modelInput, NDArray timestep, Prompt prompt, LatentGrid g,
      double[] ropeInterpolationScale, Recorder rec) {
    rec.record("transformer.step" + i + ".hidden_states", modelInput);
    rec.record("transformer.step" + i + ".timestep", timestep);
    if (i == 0) {
      rec.record("transformer.step0.encoder_hidden_states", prompt.embeds());
      rec.record("transformer.step0.encoder_attention_mask", prompt.mask());
    }
    NDArray noisePred = c.transformer().forward(new LTXVideoTransformer3DModel.Input(
        modelInput.toType(c.dtype(), false), prompt.embeds(), timestep, prompt.mask(), g.numFrames(), g.height(),
        g.width(), ropeInterpolationScale)).toType(DataType.FLOAT32, false);
    rec.record("transformer.step" + i + ".output", noisePred);
    return noisePred;
  }

  /** Decoded frames {@code [F, H, W, 3]} in [0, 1], row-major. */
  record Decoded(float[] pixels, int frames) {}

  /**
   * Un-pack, {@code _denormalize_latents}, for a timestep-conditioned VAE (0.9.1) mix in decode noise, {@code
   * vae.decode}, {@code postprocess_video(output_type="np")}. Takes ownership of {@code latents}.
   *
   * @param latents packed final latents {@code (1, seq, C)}
   */
  static Decoded decode(Components c, NDManager run, NDArray latents, Settings s, LatentGrid g,
      TorchGenerator generator, Recorder rec) {
    AutoencoderKLLTXVideoConfig vaeCfg = c.vae().config();
    try (NDManager decodeScope = run.newSubManager()) {
      NDArray z = unpackLatents(latents, g.numFrames(), g.height(), g.width(), g.patchSize(), g.patchSizeT());
      z.attach(decodeScope);
      latents.close();
      rec.record("vae.latents_mean", c.vae().latentsMean());
      rec.record("vae.latents_std", c.vae().latentsStd());
      z = denormalizeLatents(z, c.vae().latentsMean(), c.vae().latentsStd(), vaeCfg.scalingFactor())
          .toType(c.dtype(), false);
      NDArray temb = null;
      if (vaeCfg.timestepConditioning()) {
        NDArray noise = generator.randn(decodeScope, z.getShape()).toType(z.getDataType(), false);
        temb = decodeScope.create(new float[] {(float) s.decodeTimestep()}).toType(z.getDataType(), false);
        float scale = (float) s.decodeNoiseScale();
        z = z.mul(1f - scale).add(noise.mul(scale)); // (1 - s) * latents + s * noise
      }
      rec.record("vae.decode.input", z);
      NDArray decoded = c.vae().decode(z, temb, (m, shape) -> generator.randn(m, shape)); // (1, 3, F, H, W)
      rec.record("vae.decoded", decoded);
      // video_processor.postprocess_video(output_type="np"): (x / 2 + 0.5).clamp(0, 1), (F, H, W, 3)
      NDArray video = decoded.toType(DataType.FLOAT32, false).div(2f).add(0.5f).clip(0f, 1f).get(0)
          .transpose(1, 2, 3, 0);
      rec.record("video.frames", video);
      return new Decoded(video.toFloatArray(), (int) video.getShape().get(0));
    }
  }

  /** {@code _pack_latents}: {@code [B, C, F, H, W] -> [B, F/pt * H/p * W/p, C*pt*p*p]}. */
  static NDArray packLatents(NDArray latents, int p, int pt) {
    Shape s = latents.getShape();
    long b = s.get(0);
    long f = s.get(2) / pt;
    long h = s.get(3) / p;
    long w = s.get(4) / p;
    NDArray r = latents.reshape(new Shape(b, -1, f, pt, h, p, w, p)); // (B, C, F', pt, H', p, W', p)
    NDArray t = r.transpose(0, 2, 4, 6, 1, 3, 5, 7); // (B, F', H', W', C, pt, p, p)
    return t.reshape(b, f * h * w, -1);
  }

  /** {@code _unpack_latents}: {@code [B, F*H*W, C*pt*p*p] -> [B, C, F*pt, H*p, W*p]}. */
  static NDArray unpackLatents(NDArray latents, int numFrames, int height, int width, int p, int pt) {
    long b = latents.getShape().get(0);
    NDArray r = latents.reshape(new Shape(b, numFrames, height, width, -1, pt, p, p)); // (B, F, H, W, C, pt, p, p)
    NDArray t = r.transpose(0, 4, 1, 5, 2, 6, 3, 7); // (B, C, F, pt, H, p, W, p)
    long c = t.getShape().get(1);
    return t.reshape(b, c, (long) numFrames * pt, (long) height * p, (long) width * p);
  }

  /** {@code _normalize_latents}: {@code (latents - mean) * scaling_factor / std}, per channel. */
  static NDArray normalizeLatents(NDArray latents, NDArray mean, NDArray std, double scalingFactor) {
    NDArray m = mean.reshape(1, -1, 1, 1, 1).toType(latents.getDataType(), false);
    NDArray s = std.reshape(1, -1, 1, 1, 1).toType(latents.getDataType(), false);
    return latents.sub(m).mul((float) scalingFactor).div(s);
  }

  /** {@code _denormalize_latents}: {@code latents * std / scaling_factor + mean}, per channel. */
  static NDArray denormalizeLatents(NDArray latents, NDArray mean, NDArray std, double scalingFactor) {
    NDArray m = mean.reshape(1, -1, 1, 1, 1).toType(latents.getDataType(), false);
    NDArray s = std.reshape(1, -1, 1, 1, 1).toType(latents.getDataType(), false);
    return latents.mul(s).div((float) scalingFactor).add(m);
  }
}
