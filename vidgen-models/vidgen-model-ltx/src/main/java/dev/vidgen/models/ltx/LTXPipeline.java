package dev.vidgen.models.ltx;

import static com.google.common.base.Preconditions.checkArgument;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
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
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;

/**
 * Port of diffusers v0.32.2 {@code pipelines/ltx/pipeline_ltx.py} ({@code LTXPipeline}): T5 prompt encoding
 * (padded to {@code max_sequence_length}, with its attention mask) and classifier-free guidance, flow-matching
 * denoising of packed latent tokens with {@link LTXVideoTransformer3DModel} (sigmas {@code linspace(1, 1/N, N)},
 * resolution-dependent shift {@code mu}), then un-packing, de-normalisation with the VAE's latent statistics and
 * {@link AutoencoderKLLTXVideo} decoding (timestep-conditioned for the 0.9.1 VAE). Recorded stage names are
 * those of the ltx-tiny reference fixture.
 */
public final class LTXPipeline extends PipelineBase<LTXPipeline.Components> {
  /** diffusers' {@code LTXPipeline.__call__} defaults. */
  static final int DEFAULT_MAX_SEQUENCE_LENGTH = 128;

  record Components(NDManager manager, DataType dtype, T5Tokenizer tokenizer, T5EncoderModel textEncoder,
      LTXVideoTransformer3DModel transformer, AutoencoderKLLTXVideo vae, JsonConfig schedulerConfig,
      GenerationDefaults defaults) implements PipelineBase.Components {}

  private LTXPipeline(Components c, Scheduler scheduler, boolean owner) {
    super(c, scheduler, owner);
  }

  @Override
  protected ModelPipeline withScheduler(Components components, Scheduler other) {
    return new LTXPipeline(components, other, false);
  }

  /** Loads every component of a diffusers LTX-Video folder; a failure releases what was already loaded. */
  public static LTXPipeline load(ModelIndex index, LoadOptions options) {
    NDManager manager = NDManager.newBaseManager(options.device(), "PyTorch");
    try {
      DataType dtype = options.dataType();
      T5Tokenizer tokenizer = T5Tokenizer.load(index.componentDir("tokenizer"));
      String variant = options.variant();
      T5EncoderModel text = T5EncoderModel.load(index.componentDir("text_encoder"), manager, dtype, variant);
      LTXVideoTransformer3DModel transformer = LTXVideoTransformer3DModel.load(index.componentDir("transformer"),
          manager, dtype, variant);
      AutoencoderKLLTXVideo vae = AutoencoderKLLTXVideo.load(index.componentDir("vae"), manager, dtype, variant);
      JsonConfig schedulerConfig = JsonConfig.read(index.componentDir("scheduler").resolve("scheduler_config.json"));
      Scheduler scheduler = schedulerFor(schedulerConfig, options.scheduler());
      // diffusers: height 512, width 704, 161 frames, 50 steps, guidance 3.0, frame_rate 25; sizes multiple of 32.
      GenerationDefaults defaults = new GenerationDefaults(704, 512, 161, 50, 3.0, 25, 32,
          "LTXPipeline requires multiples of 32");
      Components c = new Components(manager, dtype, tokenizer, text, transformer, vae, schedulerConfig, defaults);
      return new LTXPipeline(c, scheduler, true);
    } catch (RuntimeException e) {
      manager.close();
      throw e;
    }
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

  @Override
  public Video generate(GenerationRequest req, String modelName) {
    checkArgument(req.image() == null, "%s is text-to-video and takes no image; use an image-to-video model "
        + "(e.g. svd-xt) for --image", pipelineClass());
    GenerationDefaults d = c.defaults();
    int height = req.height() != null ? req.height() : d.height();
    int width = req.width() != null ? req.width() : d.width();
    checkArgument(height % d.sizeMultiple() == 0 && width % d.sizeMultiple() == 0,
        "height and width must be divisible by %s (%s), got %sx%s", d.sizeMultiple(), d.sizeMultipleReason(), width,
        height);
    int numFrames = req.frames() != null ? req.frames() : d.frames();
    int steps = req.steps() != null ? req.steps() : d.steps();
    double guidance = req.guidanceScale() != null ? req.guidanceScale() : d.guidanceScale();
    int frameRate = req.fps() != null ? req.fps() : d.fps();
    int maxSequenceLength = req.maxSequenceLength() != null ? req.maxSequenceLength() : DEFAULT_MAX_SEQUENCE_LENGTH;
    double decodeTimestep = req.decodeTimestep() != null ? req.decodeTimestep() : 0.0;
    double decodeNoiseScale = req.decodeNoiseScale() != null ? req.decodeNoiseScale() : decodeTimestep;
    boolean cfg = guidance > 1.0; // do_classifier_free_guidance
    long seed = req.seed() != null ? req.seed() : new SecureRandom().nextLong() & Long.MAX_VALUE;

    AutoencoderKLLTXVideoConfig vaeCfg = c.vae().config();
    LTXVideoTransformer3DConfig trCfg = c.transformer().config();
    int temporalRatio = vaeCfg.temporalCompressionRatio();
    int spatialRatio = vaeCfg.spatialCompressionRatio();
    int latentNumFrames = (numFrames - 1) / temporalRatio + 1;
    int latentHeight = height / spatialRatio;
    int latentWidth = width / spatialRatio;
    int p = trCfg.patchSize();
    int pt = trCfg.patchSizeT();
    int channels = trCfg.inChannels();
    Shape unpackedShape = new Shape(1, channels, latentNumFrames, latentHeight, latentWidth);
    long seqLen = (long) (latentNumFrames / pt) * (latentHeight / p) * (latentWidth / p);
    Shape packedShape = new Shape(1, seqLen, (long) channels * pt * p * p);
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
    TorchGenerator generator = new TorchGenerator(seed);
    // The outer scope frees every array made during the call, whatever manager it landed in (results of ops on
    // weights belong to the weights' manager); the step scopes inside keep the peak at one step.
    try (NDScope call = new NDScope(); NDManager run = c.manager().newSubManager()) {
      // 3. prompt embeddings and masks; row 0 of the guidance batch is the negative prompt
      Encoded prompt = encode(run, req.prompt(), maxSequenceLength, "prompt", "text.prompt_embeds", rec);
      NDArray promptEmbeds = prompt.embeds();
      NDArray promptMask = prompt.mask();
      if (cfg) {
        String negativeText = req.negativePrompt() == null ? "" : req.negativePrompt();
        Encoded negative = encode(run, negativeText, maxSequenceLength, "negative", "text.negative_embeds", rec);
        promptEmbeds = negative.embeds().concat(promptEmbeds, 0); // (2, L, d_model)
        promptMask = negative.mask().concat(promptMask, 0); // (2, L)
      }
      NDArray encoderHiddenStates = promptEmbeds;
      NDArray encoderAttentionMask = promptMask;
      long t1 = System.nanoTime();

      // 4. initial latents: noise (B, C, F, H, W) packed to tokens (B, F*H*W, C)
      NDArray latents;
      if (given != null && given.rank() == 5) {
        NDArray noise = run.create(given.data(), unpackedShape);
        rec.record("latents.initial_unpacked", noise);
        latents = packLatents(noise, p, pt);
        noise.close();
      } else if (given != null) {
        latents = run.create(given.data(), packedShape);
        rec.record("latents.initial_unpacked", unpackLatents(latents, latentNumFrames, latentHeight, latentWidth, p,
            pt));
      } else {
        NDArray noise = generator.randn(run, unpackedShape);
        rec.record("latents.initial_unpacked", noise);
        latents = packLatents(noise, p, pt);
        noise.close();
      }
      rec.record("latents.initial", latents);

      // 5. timesteps: sigmas linspace(1, 1/N, N) shifted by mu(video_sequence_length)
      long videoSequenceLength = (long) latentNumFrames * latentHeight * latentWidth;
      double mu = calculateShift(videoSequenceLength, c.schedulerConfig());
      SchedulerOptions opts = SchedulerOptions.DEFAULT.withSigmas(defaultSigmas(steps)).withMu(mu)
          .withNoise((m, s) -> generator.randn(m, s));
      double latentFrameRate = (double) frameRate / temporalRatio;
      double[] ropeInterpolationScale = {1 / latentFrameRate, spatialRatio, spatialRatio};
      try (SchedulerRun plan = scheduler.start(steps, opts)) {
        rec.record("scheduler.timesteps", plan.timesteps(), plan.size());
        if (plan.sigmas() != null) {
          rec.record("scheduler.sigmas", plan.sigmas(), plan.sigmas().length);
        }
        NDArray initScaled = latents.mul((float) plan.initNoiseSigma());
        latents.close();
        latents = initScaled;

        // 6. the denoising loop
        latents = Denoising.run(latents, plan.size(), (i, lat) -> {
          NDArray modelInput = plan.scaleModelInput(cfg ? lat.concat(lat, 0) : lat, i); // (2B, seq, C)
          long batch = modelInput.getShape().get(0);
          float t = (float) plan.timesteps()[i];
          NDArray timestep = run.full(new Shape(batch), t); // t.expand(batch)
          rec.record("transformer.step" + i + ".hidden_states", modelInput);
          rec.record("transformer.step" + i + ".timestep", timestep);
          if (i == 0) {
            rec.record("transformer.step0.encoder_hidden_states", encoderHiddenStates);
            rec.record("transformer.step0.encoder_attention_mask", encoderAttentionMask);
          }
          NDArray noisePred = c.transformer().forward(new LTXVideoTransformer3DModel.Input(
              modelInput.toType(c.dtype(), false), encoderHiddenStates, timestep, encoderAttentionMask,
              latentNumFrames, latentHeight, latentWidth, ropeInterpolationScale))
              .toType(DataType.FLOAT32, false);
          rec.record("transformer.step" + i + ".output", noisePred);
          if (cfg) {
            noisePred = Denoising.guide(noisePred, guidance);
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
      float[] pixels;
      int outFrames;
      try (NDManager decodeScope = run.newSubManager()) {
        NDArray z = unpackLatents(latents, latentNumFrames, latentHeight, latentWidth, p, pt);
        z.attach(decodeScope);
        latents.close();
        rec.record("vae.latents_mean", c.vae().latentsMean());
        rec.record("vae.latents_std", c.vae().latentsStd());
        z = denormalizeLatents(z, c.vae().latentsMean(), c.vae().latentsStd(), vaeCfg.scalingFactor())
            .toType(c.dtype(), false);
        NDArray temb = null;
        if (vaeCfg.timestepConditioning()) {
          NDArray noise = generator.randn(decodeScope, z.getShape()).toType(z.getDataType(), false);
          temb = decodeScope.create(new float[] {(float) decodeTimestep}).toType(z.getDataType(), false);
          float scale = (float) decodeNoiseScale;
          z = z.mul(1f - scale).add(noise.mul(scale)); // (1 - s) * latents + s * noise
        }
        rec.record("vae.decode.input", z);
        NDArray decoded = c.vae().decode(z, temb, (m, s) -> generator.randn(m, s)); // (1, 3, F, H, W)
        rec.record("vae.decoded", decoded);
        // video_processor.postprocess_video(output_type="np"): (x / 2 + 0.5).clamp(0, 1), (F, H, W, 3)
        NDArray video = decoded.toType(DataType.FLOAT32, false).div(2f).add(0.5f).clip(0f, 1f).get(0)
            .transpose(1, 2, 3, 0);
        rec.record("video.frames", video);
        outFrames = (int) video.getShape().get(0);
        pixels = video.toFloatArray();
      }
      long t3 = System.nanoTime();
      GenerationInfo info = new GenerationInfo(modelName, pipelineClass(), req.prompt(),
          given != null && req.seed() == null ? -1 : seed, steps, guidance, scheduler.className(),
          Duration.ofNanos(t1 - t0), Duration.ofNanos(t2 - t1), Duration.ofNanos(t3 - t2));
      return new Video(pixels, outFrames, height, width, frameRate, info);
    }
  }

  private record Encoded(NDArray embeds, NDArray mask) {}

  /** {@code _get_t5_prompt_embeds}: ids padded to {@code maxLen}, the encoder run without the mask. */
  private Encoded encode(NDManager run, String text, int maxLen, String idsStage, String embedsStage, Recorder rec) {
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
    return new Encoded(embeds, run.create(mf, new Shape(1, maxLen)));
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

  /** {@code _denormalize_latents}: {@code latents * std / scaling_factor + mean}, per channel. */
  static NDArray denormalizeLatents(NDArray latents, NDArray mean, NDArray std, double scalingFactor) {
    NDArray m = mean.reshape(1, -1, 1, 1, 1).toType(latents.getDataType(), false);
    NDArray s = std.reshape(1, -1, 1, 1, 1).toType(latents.getDataType(), false);
    return latents.mul(s).div((float) scalingFactor).add(m);
  }
}
