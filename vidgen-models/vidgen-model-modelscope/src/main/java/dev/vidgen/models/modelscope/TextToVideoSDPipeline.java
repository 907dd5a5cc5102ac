package dev.vidgen.models.modelscope;

import static com.google.common.base.Preconditions.checkArgument;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.vidgen.api.GenerationInfo;
import dev.vidgen.api.GenerationRequest;
import dev.vidgen.api.HostTensor;
import dev.vidgen.api.Video;
import dev.vidgen.models.autoencoders.AutoencoderKL;
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
import dev.vidgen.text.CLIPTextModel;
import dev.vidgen.text.ClipTokenizer;
import dev.vidgen.weights.JsonConfig;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;

/**
 * Port of diffusers v0.32.2 {@code pipelines/text_to_video_synthesis/pipeline_text_to_video_synth.py}
 * ({@code TextToVideoSDPipeline}): CLIP prompt encoding with classifier-free guidance, a {@link
 * UNet3DConditionModel} denoising loop whose scheduler steps frame by frame, and per-frame {@link AutoencoderKL}
 * decoding. The recorded stage names are those of the reference fixtures.
 */
public final class TextToVideoSDPipeline extends PipelineBase<TextToVideoSDPipeline.Components> {
  /** The demo model's frames per video: its training clips' length. */
  public static final int DEMO_FRAMES = 8;
  /** The demo model's DDIM steps. */
  public static final int DEMO_STEPS = 20;
  /**
   * The demo model's guidance scale. Measured on the shipped model's recipe (score-demo, 60 captions): guidance 6
   * gets the colour and the direction right in 59/60 videos, 9 in 54/60, 12 in 50/60. Strong guidance pushes green
   * towards blue.
   */
  public static final double DEMO_GUIDANCE = 6.0;

  /** The loaded components, shared by every scheduler view. */
  record Components(NDManager manager, Device device, DataType dtype, ClipTokenizer tokenizer,
      CLIPTextModel textEncoder, UNet3DConditionModel unet, AutoencoderKL vae, JsonConfig schedulerConfig,
      GenerationDefaults defaults) implements PipelineBase.Components {}

  /**
   * Output pixels the VAE decodes at once when the request does not say: two 256x256 frames. diffusers decodes every
   * frame in one call; this VAE is 2-D, so decoding in chunks gives the same frames (tested) while the decoder's
   * full-resolution activations (128 channels x H x W per frame, several alive at once: 0.5 GB each for 16 frames at
   * 256x256) stop scaling with the frame count.
   */
  static final long DECODE_PIXELS_AT_ONCE = 2L * 256 * 256;

  /** Frames the VAE decodes at once by default for a video of this size ({@link #DECODE_PIXELS_AT_ONCE}). */
  public static int defaultDecodeChunk(int frames, int height, int width) {
    return (int) Math.max(1, Math.min(frames, DECODE_PIXELS_AT_ONCE / ((long) height * width)));
  }

  private TextToVideoSDPipeline(Components c, Scheduler scheduler, boolean owner) {
    super(c, scheduler, owner);
  }

  @Override
  protected ModelPipeline withScheduler(Components components, Scheduler other) {
    return new TextToVideoSDPipeline(components, other, false);
  }

  /** Loads every component of a diffusers folder; a failure releases what was already loaded. */
  public static TextToVideoSDPipeline load(ModelIndex index, LoadOptions options) {
    NDManager manager = NDManager.newBaseManager(options.device(), "PyTorch");
    try {
      DataType dtype = options.dataType();
      ClipTokenizer tokenizer = ClipTokenizer.load(index.componentDir("tokenizer"));
      CLIPTextModel text = CLIPTextModel.load(index.componentDir("text_encoder"), manager, dtype, options.variant());
      UNet3DConditionModel unet = UNet3DConditionModel.load(index.componentDir("unet"), manager, dtype, options.variant());
      AutoencoderKL vae = AutoencoderKL.load(index.componentDir("vae"), manager, dtype, options.variant());
      JsonConfig schedulerConfig = JsonConfig.read(index.componentDir("scheduler").resolve("scheduler_config.json"));
      Scheduler scheduler = schedulerFor(schedulerConfig, options.scheduler());
      int vaeScale = vae.spatialScaleFactor();
      // diffusers: height = width = unet.config.sample_size * vae_scale_factor, num_frames = 16, 50 steps,
      // guidance 9.0; ModelScope's videos are 8 fps. ZeroScope's model cards ask for their own sizes.
      int size = unet.config().sampleSize() * vaeScale;
      GenerationDefaults defaults = new GenerationDefaults(size, size, 16, 50, 9.0, 8, vaeScale,
          "vae_scale_factor");
      if (options.model() != null && options.model().equals(ModelScopeProvider.ZEROSCOPE_576W)) {
        defaults = new GenerationDefaults(576, 320, 24, 50, 9.0, 8, vaeScale, "vae_scale_factor");
      } else if (options.model() != null && options.model().equals(ModelScopeProvider.ZEROSCOPE_XL)) {
        defaults = new GenerationDefaults(1024, 576, 24, 50, 9.0, 8, vaeScale, "vae_scale_factor");
      } else if (options.model() != null && options.model().equals(ModelScopeProvider.DEMO)) {
        defaults = new GenerationDefaults(size, size, DEMO_FRAMES, DEMO_STEPS, DEMO_GUIDANCE, 8, vaeScale,
            "vae_scale_factor");
      }
      Components c = new Components(manager, options.device(), dtype, tokenizer, text, unet, vae, schedulerConfig,
          defaults);
      return new TextToVideoSDPipeline(c, scheduler, true);
    } catch (RuntimeException e) {
      manager.close();
      throw e;
    }
  }

  @Override
  public String pipelineClass() {
    return "TextToVideoSDPipeline";
  }

  @Override
  public Video generate(GenerationRequest req, String modelName) {
    GenerationDefaults d = c.defaults();
    checkArgument(req.image() == null, "%s is text-to-video and takes no image; use an image-to-video model "
        + "(e.g. svd-xt) for --image", pipelineClass());
    int height = req.height() != null ? req.height() : d.height();
    int width = req.width() != null ? req.width() : d.width();
    checkArgument(height % d.sizeMultiple() == 0, "height %s is not divisible by %s (%s)", height, d.sizeMultiple(),
        d.sizeMultipleReason());
    checkArgument(width % d.sizeMultiple() == 0, "width %s is not divisible by %s (%s)", width, d.sizeMultiple(),
        d.sizeMultipleReason());
    int frames = req.frames() != null ? req.frames() : d.frames();
    int steps = req.steps() != null ? req.steps() : d.steps();
    double guidance = req.guidanceScale() != null ? req.guidanceScale() : d.guidanceScale();
    int fps = req.fps() != null ? req.fps() : d.fps();
    double eta = req.eta() != null ? req.eta() : 0.0;
    boolean cfg = guidance > 1.0; // diffusers: do_classifier_free_guidance = guidance_scale > 1.0
    long seed = req.seed() != null ? req.seed() : new SecureRandom().nextLong() & Long.MAX_VALUE;
    int latentChannels = c.unet().config().inChannels();
    Shape latentShape = new Shape(1, latentChannels, frames, height / d.sizeMultiple(), width / d.sizeMultiple());
    HostTensor given = req.initialLatents();
    if (given != null) {
      checkArgument(Arrays.equals(given.shape(), latentShape.getShape()),
          "initialLatents have shape %s, expected %s ([batch, unet in_channels, frames, height/%s, width/%s])",
          Arrays.toString(given.shape()), latentShape, d.sizeMultiple(), d.sizeMultiple());
    }
    Recorder rec = new Recorder(req.recorder());
    long t0 = System.nanoTime();
    TorchGenerator generator = new TorchGenerator(seed);
    try (NDManager run = c.manager().newSubManager()) {
      // 1. encode the prompt and the negative prompt (row 0 of the guidance batch is the negative)
      NDArray promptEmbeds = encode(run, req.prompt(), "prompt", "text.prompt_embeds", rec);
      NDArray embeds = promptEmbeds;
      if (cfg) {
        String negative = req.negativePrompt() == null ? "" : req.negativePrompt();
        NDArray negativeEmbeds = encode(run, negative, "negative", "text.negative_embeds", rec);
        embeds = negativeEmbeds.concat(promptEmbeds, 0); // (2, 77, hidden)
      }
      NDArray encoderHiddenStates = embeds;
      long t1 = System.nanoTime();

      // 2. the schedule, 3. the initial latents (drawn on the CPU as diffusers draws them, then moved)
      NDArray latents;
      try (SchedulerRun plan = scheduler.start(steps, SchedulerOptions.DEFAULT.withEta(eta).withNoise(
          generator))) {
        NDArray noise = given != null ? run.create(given.data(), latentShape) : generator.randn(run, latentShape);
        rec.record("latents.initial", noise);
        latents = noise.mul((float) plan.initNoiseSigma());
        noise.close();
        rec.record("scheduler.timesteps", plan.timesteps(), plan.size());

        // 4. the denoising loop
        latents = Denoising.run(latents, plan.size(), (i, lat) -> {
          double t = plan.timesteps()[i];
          NDArray modelInput = plan.scaleModelInput(cfg ? lat.concat(lat, 0) : lat, i); // (2B, C, F, h, w)
          NDArray timestep = run.create(new float[] {(float) t}); // the float32 copy the UNet receives
          rec.record("unet.step" + i + ".input", modelInput);
          rec.record("unet.step" + i + ".timestep", timestep);
          if (i == 0) {
            rec.record("unet.step0.encoder_hidden_states", encoderHiddenStates);
          }
          NDArray noisePred = c.unet().forward(modelInput, timestep, encoderHiddenStates);
          rec.record("unet.step" + i + ".output", noisePred);
          if (cfg) {
            noisePred = Denoising.guide(noisePred, guidance);
          }
          // the pipeline steps the scheduler per frame: (B, C, F, h, w) -> (B*F, C, h, w)
          NDArray modelOutput = framesFirst(noisePred);
          NDArray sample = framesFirst(lat);
          rec.record("scheduler.step" + i + ".model_output", modelOutput);
          rec.record("scheduler.step" + i + ".timestep", timestep);
          if (i == 0) {
            rec.record("scheduler.step0.sample", sample);
          }
          NDArray prev = plan.step(modelOutput, i, sample);
          if (i == 0) {
            rec.record("scheduler.step0.prev_sample", prev);
          }
          NDArray next = channelsFirst(prev, lat.getShape()); // back to (B, C, F, h, w)
          rec.record("latents.after_step" + i, next);
          return next;
        }, req, t0, "UNet3DConditionModel");
      }
      rec.record("latents.final", latents);
      long t2 = System.nanoTime();

      // 5. decode frame by frame: latents / scaling_factor, frames first
      float[] pixels;
      try (NDArray scaled = latents.div((float) c.vae().config().scalingFactor());
          NDArray z = framesFirst(scaled)) {
        latents.close();
        rec.record("vae.decode.input", z);
        int chunk = req.decodeChunkSize() != null ? req.decodeChunkSize() : defaultDecodeChunk(frames, height, width);
        try (NDArray decoded = c.vae().decode(z, chunk)) { // (F, 3, H, W) in about [-1, 1]
          rec.record("vae.decoded", decoded);
          // video_processor.postprocess_video: (x / 2 + 0.5).clamp(0, 1), channels last
          try (NDArray video = decoded.toType(DataType.FLOAT32, false).div(2f).add(0.5f).clip(0f, 1f)
              .transpose(0, 2, 3, 1)) { // (F, H, W, 3)
            rec.record("video.frames", video);
            pixels = video.toFloatArray();
          }
        }
      }
      long t3 = System.nanoTime();
      GenerationInfo info = new GenerationInfo(modelName, pipelineClass(), req.prompt(),
          given != null && req.seed() == null ? -1 : seed, steps, guidance, scheduler.className(),
          Duration.ofNanos(t1 - t0), Duration.ofNanos(t2 - t1), Duration.ofNanos(t3 - t2));
      return new Video(pixels, frames, height, width, fps, info);
    }
  }

  private NDArray encode(NDManager run, String text, String idsStage, String embedsStage, Recorder rec) {
    long[] ids = c.tokenizer().encode(text);
    NDArray idArray = run.create(ids, new Shape(1, ids.length));
    rec.record(idsStage + ".input_ids", idArray);
    NDArray embeds = c.textEncoder().forward(idArray);
    rec.record(embedsStage, embeds);
    return embeds;
  }

  /** {@code (B, C, F, h, w) -> (B*F, C, h, w)}. */
  static NDArray framesFirst(NDArray x) {
    Shape s = x.getShape();
    return x.transpose(0, 2, 1, 3, 4).reshape(s.get(0) * s.get(2), s.get(1), s.get(3), s.get(4));
  }

  /** {@code (B*F, C, h, w) -> (B, C, F, h, w)} for a latent shape {@code (B, C, F, h, w)}. */
  static NDArray channelsFirst(NDArray x, Shape latentShape) {
    Shape s = latentShape;
    return x.reshape(s.get(0), s.get(2), s.get(1), s.get(3), s.get(4)).transpose(0, 2, 1, 3, 4);
  }
}
