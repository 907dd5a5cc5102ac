package dev.vidgen.models.svd;

import static com.google.common.base.Preconditions.checkArgument;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
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
import dev.vidgen.vision.CLIPImageProcessor;
import dev.vidgen.vision.CLIPVisionModelWithProjection;
import dev.vidgen.vision.PilImage;
import dev.vidgen.weights.JsonConfig;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;

/**
 * Port of diffusers v0.32.2 {@code pipelines/stable_video_diffusion/pipeline_stable_video_diffusion.py} ({@code
 * StableVideoDiffusionPipeline}): image-to-video. The conditioning image is embedded by the CLIP vision tower (after
 * SVD's anti-aliased resize to 224×224) for cross-attention, and, noise-augmented, encoded by the VAE and
 * concatenated to the latents of every frame; the UNet also sees (fps − 1, motion bucket id, noise augmentation
 * strength); classifier-free guidance grows linearly from {@code min_guidance_scale} at the first frame to {@code
 * max_guidance_scale} at the last; the latents are decoded by the temporal VAE decoder in chunks.
 *
 * <p>Random numbers come from one generator seeded with the request's seed, drawn in diffusers' order: first the
 * noise-augmentation noise (the image's shape), then the initial latents (unless the request gives them). The
 * recorded stage names are those of the {@code svd-tiny} reference fixture.
 *
 * <p>Used by one thread at a time; {@link #close()} frees the weights.
 */
public final class StableVideoDiffusionPipeline extends PipelineBase<StableVideoDiffusionPipeline.Components> {
  /** The side of the CLIP image encoder's input in the pipeline ({@code _resize_with_antialiasing(image, (224, 224))}). */
  private static final int CLIP_SIZE = 224;

  /** The loaded components, shared by every scheduler view. */
  record Components(NDManager manager, Device device, DataType dtype, CLIPImageProcessor featureExtractor,
      CLIPVisionModelWithProjection imageEncoder, UNetSpatioTemporalConditionModel unet,
      AutoencoderKLTemporalDecoder vae, DataType vaeDtype, JsonConfig schedulerConfig, GenerationDefaults defaults) implements PipelineBase.Components {}

  /** diffusers' {@code __call__} defaults beyond {@link GenerationDefaults}. */
  static final int DEFAULT_STEPS = 25;
  static final double DEFAULT_MIN_GUIDANCE = 1.0;
  static final double DEFAULT_MAX_GUIDANCE = 3.0;
  static final int DEFAULT_FPS = 7;
  static final int DEFAULT_MOTION_BUCKET_ID = 127;
  static final double DEFAULT_NOISE_AUG_STRENGTH = 0.02;

  private StableVideoDiffusionPipeline(Components c, Scheduler scheduler, boolean owner) {
    super(c, scheduler, owner);
  }

  @Override
  protected ModelPipeline withScheduler(Components components, Scheduler other) {
    return new StableVideoDiffusionPipeline(components, other, false);
  }

  /** Loads every component of a diffusers folder; a failure releases what was already loaded. */
  public static StableVideoDiffusionPipeline load(ModelIndex index, LoadOptions options) {
    NDManager manager = NDManager.newBaseManager(options.device(), "PyTorch");
    try {
      DataType dtype = options.dataType();
      CLIPImageProcessor featureExtractor = CLIPImageProcessor.read(index.componentDir("feature_extractor")
          .resolve("preprocessor_config.json"));
      CLIPVisionModelWithProjection imageEncoder = CLIPVisionModelWithProjection.load(
          index.componentDir("image_encoder"), manager, dtype, options.variant());
      UNetSpatioTemporalConditionModel unet = UNetSpatioTemporalConditionModel.load(index.componentDir("unet"),
          manager, dtype, options.variant());
      AutoencoderKLTemporalDecoderConfig vaeConfig = AutoencoderKLTemporalDecoderConfig.read(
          index.componentDir("vae").resolve("config.json"));
      // needs_upcasting: a half-precision VAE with force_upcast runs in float32
      DataType vaeDtype = vaeConfig.forceUpcast() ? DataType.FLOAT32 : dtype;
      AutoencoderKLTemporalDecoder vae = AutoencoderKLTemporalDecoder.load(index.componentDir("vae"), manager,
          vaeDtype, options.variant());
      JsonConfig schedulerConfig = JsonConfig.read(index.componentDir("scheduler").resolve("scheduler_config.json"));
      Scheduler scheduler = schedulerFor(schedulerConfig, options.scheduler());
      int vaeScale = vaeConfig.vaeScaleFactor();
      UNetSpatioTemporalConditionConfig uc = unet.config();
      checkAddedTimeIds(uc);
      // diffusers: height = width = unet.config.sample_size * vae_scale_factor, num_frames = unet.config.num_frames
      int size = (uc.sampleSize() != null ? uc.sampleSize() : 96) * vaeScale;
      GenerationDefaults defaults = new GenerationDefaults(size, size, uc.numFrames(), DEFAULT_STEPS,
          DEFAULT_MAX_GUIDANCE, DEFAULT_FPS, vaeScale, "vae_scale_factor");
      if (options.model() != null && StableVideoDiffusionProvider.MODEL_CARD_SIZE.contains(options.model())) {
        // the published SVD checkpoints were trained at 1024x576 (model cards); the folder's config says 768x768
        defaults = new GenerationDefaults(1024, 576, uc.numFrames(), DEFAULT_STEPS, DEFAULT_MAX_GUIDANCE,
            DEFAULT_FPS, vaeScale, "vae_scale_factor");
      }
      Components c = new Components(manager, options.device(), dtype, featureExtractor, imageEncoder, unet, vae,
          vaeDtype, schedulerConfig, defaults);
      return new StableVideoDiffusionPipeline(c, scheduler, true);
    } catch (RuntimeException e) {
      manager.close();
      throw e;
    }
  }

  /** diffusers' {@code _get_add_time_ids} check: three ids of {@code addition_time_embed_dim} each. */
  private static void checkAddedTimeIds(UNetSpatioTemporalConditionConfig uc) {
    int passed = uc.additionTimeEmbedDim() * 3;
    if (passed != uc.projectionClassEmbeddingsInputDim()) {
      throw new dev.vidgen.api.ConfigException("unet/config.json: the model expects an added time embedding vector "
          + "of length " + uc.projectionClassEmbeddingsInputDim() + " (projection_class_embeddings_input_dim), but "
          + "3 added time ids x addition_time_embed_dim=" + uc.additionTimeEmbedDim() + " make " + passed);
    }
  }

  @Override
  public String pipelineClass() {
    return "StableVideoDiffusionPipeline";
  }

  @Override
  public Video generate(GenerationRequest req, String modelName) {
    checkArgument(req.image() != null, "StableVideoDiffusionPipeline is image-to-video: the request needs an image "
        + "(GenerationRequest.builder().image(...))");
    GenerationDefaults d = c.defaults();
    // 0. default height and width to the unet's; num_frames and decode_chunk_size
    int height = req.height() != null ? req.height() : d.height();
    int width = req.width() != null ? req.width() : d.width();
    checkArgument(height % d.sizeMultiple() == 0, "height %s is not divisible by %s (%s)", height, d.sizeMultiple(),
        d.sizeMultipleReason());
    checkArgument(width % d.sizeMultiple() == 0, "width %s is not divisible by %s (%s)", width, d.sizeMultiple(),
        d.sizeMultipleReason());
    int numFrames = req.frames() != null ? req.frames() : d.frames();
    int decodeChunkSize = req.decodeChunkSize() != null ? req.decodeChunkSize() : numFrames;
    int steps = req.steps() != null ? req.steps() : d.steps();
    double minGuidanceScale = req.minGuidanceScale() != null ? req.minGuidanceScale() : DEFAULT_MIN_GUIDANCE;
    double maxGuidanceScale = req.maxGuidanceScale() != null ? req.maxGuidanceScale()
        : req.guidanceScale() != null ? req.guidanceScale() : d.guidanceScale();
    // diffusers decides guidance before the image is encoded from max_guidance_scale > 1, and in the loop from the
    // per-frame scales' maximum: a min above 1 with a max at or below 1 would make the two disagree
    checkArgument(maxGuidanceScale > 1 || minGuidanceScale <= 1, "minGuidanceScale %s > 1 with maxGuidanceScale %s "
        + "<= 1 is not supported (diffusers fails on it too); raise maxGuidanceScale", minGuidanceScale,
        maxGuidanceScale);
    boolean cfg = maxGuidanceScale > 1;
    int fps = req.fps() != null ? req.fps() : d.fps();
    int motionBucketId = req.motionBucketId() != null ? req.motionBucketId() : DEFAULT_MOTION_BUCKET_ID;
    double noiseAugStrength = req.noiseAugStrength() != null ? req.noiseAugStrength() : DEFAULT_NOISE_AUG_STRENGTH;
    long seed = req.seed() != null ? req.seed() : new SecureRandom().nextLong() & Long.MAX_VALUE;
    UNetSpatioTemporalConditionConfig uc = c.unet().config();
    int f = d.sizeMultiple();
    // prepare_latents: (batch, num_frames, in_channels // 2, height // f, width // f)
    Shape latentShape = new Shape(1, numFrames, uc.inChannels() / 2, height / f, width / f);
    HostTensor given = req.initialLatents();
    if (given != null) {
      checkArgument(Arrays.equals(given.shape(), latentShape.getShape()),
          "initialLatents have shape %s, expected %s ([batch, frames, unet in_channels / 2, height/%s, width/%s])",
          Arrays.toString(given.shape()), latentShape, f, f);
    }

    Recorder rec = new Recorder(req.recorder());
    long t0 = System.nanoTime();
    TorchGenerator generator = new TorchGenerator(seed);
    PilImage pil = PilImage.fromBufferedImage(req.image());
    // the run's manager owns what survives a phase; the scope frees every temporary made on this thread, whatever
    // manager its first operand put it in
    try (NDManager run = c.manager().newSubManager(); NDScope scope = new NDScope()) {
      // 3. encode the input image with CLIP (row 0 of the guidance batch: zeros)
      NDArray imageEmbeddings = encodeImage(run, pil, cfg, rec); // (2, 1, proj) or (1, 1, proj)
      // 4. encode the noise-augmented image with the VAE
      NDArray image = preprocess(run, pil, height, width); // (1, 3, H, W) in [-1, 1]
      rec.record("image.preprocessed", image);
      NDArray noise = generator.randn(run, image.getShape());
      rec.record("image.noise", noise);
      image = image.add(noise.mul((float) noiseAugStrength)); // image + noise_aug_strength * noise
      rec.record("vae.encode.input", image);
      NDArray imageLatents = c.vae().encodeMean(image.toType(c.vaeDtype(), false)); // (1, 4, h, w)
      rec.record("vae.encode.latents", imageLatents);
      imageLatents = imageLatents.toType(c.dtype(), false);
      if (cfg) {
        imageLatents = imageLatents.zerosLike().concat(imageLatents, 0); // (2, 4, h, w)
      }
      Shape il = imageLatents.getShape();
      // unsqueeze(1).repeat(1, num_frames, 1, 1, 1): (2, F, 4, h, w)
      NDArray imageLatentsFrames = imageLatents.expandDims(1)
          .broadcast(new Shape(il.get(0), numFrames, il.get(1), il.get(2), il.get(3)));
      // 5. added time ids: [fps - 1, motion_bucket_id, noise_aug_strength] per guidance row
      float[] ids = {fps - 1, motionBucketId, (float) noiseAugStrength};
      NDArray addedTimeIds = run.create(ids).reshape(1, 3).toType(c.dtype(), false);
      if (cfg) {
        addedTimeIds = addedTimeIds.concat(addedTimeIds, 0); // (2, 3)
      }
      long t1 = System.nanoTime();

      NDArray latents;
      try (SchedulerRun plan = scheduler.start(steps, SchedulerOptions.DEFAULT.withNoise(
          generator))) {
        rec.record("scheduler.timesteps", plan.timesteps(), plan.size());
        if (plan.sigmas() != null) {
          rec.record("scheduler.sigmas", plan.sigmas(), plan.sigmas().length);
        }
        // 7. the initial latents, drawn after the augmentation noise
        NDArray initial = given != null ? run.create(given.data(), latentShape)
            : generator.randn(run, latentShape);
        rec.record("latents.initial", initial);
        latents = initial.toType(c.dtype(), false).mul((float) plan.initNoiseSigma());
        initial.close();
        // 8. per-frame guidance: linspace(min, max, num_frames) as (1, F, 1, 1, 1)
        NDArray guidanceScale = run.create(linspace((float) minGuidanceScale, (float) maxGuidanceScale, numFrames))
            .reshape(1, numFrames, 1, 1, 1).toType(c.dtype(), false);
        rec.record("guidance.scale", guidanceScale);
        NDArray encoderHiddenStates = imageEmbeddings;
        NDArray conditioning = imageLatentsFrames;
        NDArray timeIds = addedTimeIds;

        // 9. the denoising loop
        latents = Denoising.run(latents, plan.size(), (i, lat) -> {
          NDArray timestep = run.create(new float[] {(float) plan.timesteps()[i]}); // t as the UNet receives it
          NDArray latentModelInput = plan.scaleModelInput(cfg ? lat.concat(lat, 0) : lat, i);
          latentModelInput = latentModelInput.concat(conditioning, 2); // (2, F, 8, h, w)
          rec.record("unet.step" + i + ".input", latentModelInput);
          rec.record("unet.step" + i + ".timestep", timestep);
          if (i == 0) {
            rec.record("unet.step0.encoder_hidden_states", encoderHiddenStates);
            rec.record("unet.step0.added_time_ids", timeIds);
          }
          NDArray noisePred = c.unet().forward(latentModelInput, timestep, encoderHiddenStates, timeIds);
          rec.record("unet.step" + i + ".output", noisePred);
          if (cfg) {
            NDList parts = noisePred.split(2, 0); // uncond, cond
            NDArray uncond = parts.get(0);
            noisePred = uncond.add(guidanceScale.mul(parts.get(1).sub(uncond)));
          }
          rec.record("scheduler.step" + i + ".model_output", noisePred);
          rec.record("scheduler.step" + i + ".timestep", timestep);
          if (i == 0) {
            rec.record("scheduler.step0.sample", lat);
          }
          NDArray next = plan.step(noisePred, i, lat);
          if (i == 0) {
            rec.record("scheduler.step0.prev_sample", next);
          }
          rec.record("latents.after_step" + i, next);
          return next;
        }, req, t0, "UNetSpatioTemporalConditionModel");
      }
      rec.record("latents.final", latents);
      long t2 = System.nanoTime();

      // 10. decode_latents: flatten frames, 1 / scaling_factor * latents, chunks of decode_chunk_size
      float[] pixels;
      Shape ls = latents.getShape();
      NDArray z = latents.reshape(ls.get(0) * ls.get(1), ls.get(2), ls.get(3), ls.get(4)) // (B*F, 4, h, w)
          .mul((float) (1.0 / c.vae().config().scalingFactor())).toType(c.vaeDtype(), false);
      latents.close();
      if (rec.active()) {
        for (int j = 0, start = 0; start < numFrames; j++, start += decodeChunkSize) {
          int end = Math.min(start + decodeChunkSize, numFrames);
          rec.record("vae.decode.call" + j + ".input", z.get(start + ":" + end));
          rec.record("vae.decode.call" + j + ".num_frames", new long[] {end - start}, 1);
        }
      }
      NDArray decoded = c.vae().decode(z, numFrames, decodeChunkSize); // (F, 3, H, W) in about [-1, 1]
      rec.record("vae.decoded", decoded);
      // postprocess_video(output_type="np"): (x * 0.5 + 0.5).clamp(0, 1), frames channels-last
      NDArray video = decoded.toType(DataType.FLOAT32, false).mul(0.5f).add(0.5f).clip(0f, 1f)
          .transpose(0, 2, 3, 1); // (F, H, W, 3)
      rec.record("video.frames", video);
      pixels = video.toFloatArray();
      long t3 = System.nanoTime();
      GenerationInfo info = new GenerationInfo(modelName, pipelineClass(), req.prompt(),
          given != null && req.seed() == null ? -1 : seed, steps, maxGuidanceScale, scheduler.className(),
          Duration.ofNanos(t1 - t0), Duration.ofNanos(t2 - t1), Duration.ofNanos(t3 - t2));
      return new Video(pixels, numFrames, height, width, fps, info);
    }
  }

  /**
   * {@code _encode_image}: {@code pil_to_numpy} (original size), ×2−1, {@code _resize_with_antialiasing} to
   * 224×224, (x+1)/2, the CLIP processor's normalisation, the image encoder; zeros for the unconditional row.
   */
  private NDArray encodeImage(NDManager run, PilImage pil, boolean cfg, Recorder rec) {
    NDArray pixels = run.create(pil.toChannelsFirstUnit(), new Shape(1, 3, pil.height(), pil.width()));
    rec.record("image.pixels", pixels);
    NDArray image = pixels.mul(2f).sub(1f);
    image = ResizeWithAntialiasing.resize(image, CLIP_SIZE, CLIP_SIZE);
    image = image.add(1f).div(2f);
    NDArray clipPixelValues = c.featureExtractor().normalize(image);
    rec.record("image.clip_pixel_values", clipPixelValues);
    NDArray imageEmbeds = c.imageEncoder().forward(clipPixelValues.toType(c.dtype(), false)); // (1, proj)
    rec.record("image.embeds", imageEmbeds);
    NDArray embeddings = imageEmbeds.expandDims(1); // (1, 1, proj)
    return cfg ? embeddings.zerosLike().concat(embeddings, 0) : embeddings; // (2, 1, proj)
  }

  /**
   * {@code video_processor.preprocess(image, height, width)}: Pillow's LANCZOS resize to the target size (none
   * when it already has it), /255, ×2−1.
   */
  private static NDArray preprocess(NDManager run, PilImage pil, int height, int width) {
    PilImage resized = pil.resizeLanczos(width, height);
    NDArray unit = run.create(resized.toChannelsFirstUnit(), new Shape(1, 3, height, width));
    return unit.mul(2f).sub(1f);
  }

  /**
   * {@code torch.linspace(start, end, steps)} in float32 as torch's CPU kernel computes it: the first half from the
   * start, the second half back from the end.
   */
  static float[] linspace(float start, float end, int steps) {
    float[] out = new float[steps];
    if (steps == 1) {
      out[0] = start;
      return out;
    }
    float step = (end - start) / (steps - 1);
    int halfway = steps / 2;
    for (int i = 0; i < steps; i++) {
      out[i] = i < halfway ? start + step * i : end - step * (steps - i - 1);
    }
    return out;
  }
}
