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
import dev.vidgen.models.ltx.LTXPipeline.Decoded;
import dev.vidgen.models.ltx.LTXPipeline.LatentGrid;
import dev.vidgen.models.ltx.LTXPipeline.Prompt;
import dev.vidgen.models.ltx.LTXPipeline.Settings;
import dev.vidgen.noise.TorchGenerator;
import dev.vidgen.pipeline.Denoising;
import dev.vidgen.pipeline.PipelineBase;
import dev.vidgen.pipeline.Recorder;
import dev.vidgen.schedulers.Scheduler;
import dev.vidgen.schedulers.SchedulerRun;
import dev.vidgen.spi.LoadOptions;
import dev.vidgen.spi.ModelIndex;
import dev.vidgen.spi.ModelPipeline;
import dev.vidgen.vision.PilImage;
import java.awt.image.BufferedImage;
import java.time.Duration;
import java.util.Arrays;

/**
 * Port of diffusers v0.32.2 {@code pipelines/ltx/pipeline_ltx_image2video.py} ({@code LTXImageToVideoPipeline}):
 * LTX-Video conditioned on a first-frame image. The image is resized to the requested size with Pillow's LANCZOS
 * filter and scaled to [-1, 1] ({@code video_processor.preprocess}), encoded by the VAE encoder and sampled from
 * its latent distribution with the request's generator ({@code retrieve_latents}, {@code sample_mode="sample"}),
 * normalised with {@code latents_mean}/{@code latents_std} (diffusers passes no scaling factor here, so 1), and
 * placed as the first latent frame under a conditioning mask; the other frames are noise. In each step the
 * transformer gets per-token timesteps {@code t · (1 − mask)} (0 for the image's tokens), and the scheduler steps
 * latent frames {@code 1:} only, so the first latent frame stays the image's latents; guidance and decoding are
 * those of {@link LTXPipeline}, whose components this recipe shares.
 *
 * <p>Parity with diffusers is measured on {@code fixtures/ltx-i2v-tiny} and the sweep in {@code
 * fixtures/sweeps/ltx-i2v} ({@code LTXSweepParityTest}): every stage from the preprocessed image to the frames,
 * seed for seed. The generator's draws come in diffusers' order: the encoder sample's noise, the latent noise, then
 * (0.9.1 with {@code decode_noise_scale}) the decode noise.
 *
 * <p>{@link GenerationRequest#initialLatents()}, when given, is either the unpacked noise {@code [1, C, F, H, W]}
 * that replaces the noise {@code prepare_latents} draws (the image still conditions the first frame), or {@code
 * prepare_latents}' packed result {@code [1, seq, C]}, the start of the loop (how {@code vidgen check} replays a
 * reference; the latent noise is then drawn and dropped so that later draws keep their place). diffusers v0.32.2's
 * own {@code latents=} argument cannot serve: it skips the image and builds a mask the transformer cannot take.
 */
public final class LTXImageToVideoPipeline extends PipelineBase<LTXPipeline.Components> {
  LTXImageToVideoPipeline(LTXPipeline.Components c, Scheduler scheduler, boolean owner) {
    super(c, scheduler, owner);
  }

  /** Loads a folder (its own weights, or a single-file checkpoint beside model_index.json, as {@link LTXPipeline}). */
  public static LTXImageToVideoPipeline load(ModelIndex index, LoadOptions options) {
    LTXPipeline.Loaded l = LTXPipeline.loadComponents(index, options);
    return new LTXImageToVideoPipeline(l.components(), l.scheduler(), true);
  }

  @Override
  protected ModelPipeline withScheduler(LTXPipeline.Components components, Scheduler other) {
    return new LTXImageToVideoPipeline(components, other, false);
  }

  @Override
  public String pipelineClass() {
    return "LTXImageToVideoPipeline";
  }

  @Override
  public Video generate(GenerationRequest req, String modelName) {
    checkArgument(req.image() != null, "%s generates from a first-frame image: set GenerationRequest.image "
        + "(--image); without one, use LTXPipeline (text-to-video)", pipelineClass());
    Settings s = Settings.of(req, c.defaults());
    LatentGrid g = LatentGrid.of(c, s);
    // prepare_latents squeezes the packed mask's last axis, which only works without patching
    checkArgument(g.patchSize() == 1 && g.patchSizeT() == 1, "image-to-video needs transformer patch_size 1 and "
        + "patch_size_t 1 (diffusers' conditioning mask is per token), got %s and %s in transformer/config.json",
        g.patchSize(), g.patchSizeT());
    HostTensor given = req.initialLatents();
    Shape packedShape = new Shape(1, (long) g.numFrames() * g.height() * g.width(), c.vae().config().latentChannels());
    if (given != null) {
      checkArgument(Arrays.equals(given.shape(), g.unpackedShape().getShape())
          || Arrays.equals(given.shape(), packedShape.getShape()), "initialLatents have shape %s; for "
          + "image-to-video they are either the noise prepare_latents draws, %s ([batch, channels, latent frames, "
          + "height, width]), or prepare_latents' packed result, %s ([batch, tokens, channels])",
          Arrays.toString(given.shape()), g.unpackedShape(), packedShape);
    }
    Recorder rec = new Recorder(req.recorder());
    long t0 = System.nanoTime();
    TorchGenerator generator = new TorchGenerator(s.seed());
    boolean cfg = s.cfg();
    try (NDScope call = new NDScope(); NDManager run = c.manager().newSubManager()) {
      // 3. prompt embeddings and masks; row 0 of the guidance batch is the negative prompt
      Prompt prompt = LTXPipeline.encodePrompt(c, run, req, s, rec);

      // 4. the image, the conditioned latents and the mask
      NDArray image = preprocess(run, req.image(), s.height(), s.width()); // (1, 3, H, W) in [-1, 1]
      rec.record("image.preprocessed", image);
      Conditioned prepared = prepareLatents(c, run, image.toType(c.dtype(), false), g, generator, given, rec);
      NDArray latents = prepared.latents(); // (1, seq, C)
      NDArray conditioningMask = cfg ? prepared.mask().concat(prepared.mask(), 0) : prepared.mask(); // (2B, seq)
      long t1 = System.nanoTime();

      // 5. timesteps; 6. micro-conditions
      double[] ropeInterpolationScale = g.ropeInterpolationScale(s.frameRate());
      try (SchedulerRun plan = LTXPipeline.startScheduler(scheduler, c, s, g, generator, rec)) {
        // 7. the denoising loop
        latents = Denoising.run(latents, plan.size(), (i, lat) -> {
          NDArray latentModelInput = cfg ? lat.concat(lat, 0) : lat; // (2B, seq, C)
          float t = (float) plan.timesteps()[i];
          NDArray timestep = perTokenTimestep(conditioningMask, t); // (2B, seq)
          NDArray noisePred = LTXPipeline.predict(c, i, latentModelInput, timestep, prompt, g,
              ropeInterpolationScale, rec);
          if (cfg) {
            noisePred = Denoising.guide(noisePred, s.guidance());
          }
          // the scheduler steps latent frames 1: only; frame 0 (the image) is carried over
          NDArray noisePredFrames = LTXPipeline.unpackLatents(noisePred, g.numFrames(), g.height(), g.width(), 1, 1);
          NDArray latentFrames = LTXPipeline.unpackLatents(lat, g.numFrames(), g.height(), g.width(), 1, 1);
          NDArray first = latentFrames.get(":, :, :1"); // (B, C, 1, H, W)
          NDArray next;
          if (g.numFrames() > 1) {
            NDArray noiseLatents = latentFrames.get(":, :, 1:"); // (B, C, F-1, H, W)
            rec.record("scheduler.step" + i + ".model_output", noisePredFrames.get(":, :, 1:"));
            NDArray predLatents = plan.step(noisePredFrames.get(":, :, 1:"), i, noiseLatents);
            next = first.concat(predLatents, 2); // (B, C, F, H, W)
          } else {
            next = first.duplicate(); // one latent frame: nothing to denoise
          }
          NDArray packed = LTXPipeline.packLatents(next, 1, 1); // (B, seq, C)
          rec.record("latents.after_step" + i, packed);
          return packed;
        }, req, t0, "LTXVideoTransformer3DModel");
      }
      rec.record("latents.final", latents);
      long t2 = System.nanoTime();

      // un-pack, de-normalise, (0.9.1) mix decode noise, decode
      Decoded video = LTXPipeline.decode(c, run, latents, s, g, generator, rec);
      long t3 = System.nanoTime();
      GenerationInfo info = new GenerationInfo(modelName, pipelineClass(), req.prompt(),
          given != null && req.seed() == null ? -1 : s.seed(), s.steps(), s.guidance(), scheduler.className(),
          Duration.ofNanos(t1 - t0), Duration.ofNanos(t2 - t1), Duration.ofNanos(t3 - t2));
      return new Video(video.pixels(), video.frames(), s.height(), s.width(), s.frameRate(), info);
    }
  }

  /**
   * {@code video_processor.preprocess(image, height, width)} for a PIL image: {@code resize((width, height),
   * LANCZOS)} (none when it already has that size), {@code np.array / 255} as float32, channels first, then {@code
   * 2x − 1}.
   *
   * @return {@code (1, 3, height, width)} in [-1, 1]
   */
  static NDArray preprocess(NDManager manager, BufferedImage image, int height, int width) {
    PilImage resized = PilImage.fromBufferedImage(image).resizeLanczos(width, height);
    NDArray unit = manager.create(resized.toChannelsFirstUnit(), new Shape(1, 3, height, width));
    return unit.mul(2f).sub(1f);
  }

  /** The packed latents {@code (1, seq, C)} of {@code prepare_latents} and the per-token mask {@code (1, seq)}. */
  record Conditioned(NDArray latents, NDArray mask) {}

  /**
   * {@code prepare_latents(image, ...)}: {@code retrieve_latents(vae.encode(image.unsqueeze(2)), generator)} (a
   * sample of the latent distribution, drawn first from the generator), {@code _normalize_latents} with scaling
   * factor 1, repeated over the latent frames; a mask that is 1 on latent frame 0; {@code init · mask + noise · (1 −
   * mask)} with the noise drawn next (or given); both packed.
   *
   * @param image {@code (1, 3, H, W)} in [-1, 1], in the pipeline's dtype
   * @param givenNoise the noise {@code (1, C, F, H, W)} to use instead of drawing it, or null
   */
  static Conditioned prepareLatents(LTXPipeline.Components c, NDManager run, NDArray image, LatentGrid g,
      TorchGenerator generator, HostTensor givenNoise, Recorder rec) {
    Shape shape = g.unpackedShape(); // (B, C, F, H, W)
    NDArray encodeInput = image.expandDims(2); // (1, 3, 1, H, W): a one-frame video
    rec.record("vae.encode.input", encodeInput);
    NDArray moments = c.vae().encode(encodeInput); // (1, 2C, 1, H, W)
    // retrieve_latents(sample_mode="sample"): latent_dist.sample(generator), the generator's first draw
    NDArray mean = AutoencoderKLLTXVideo.mode(moments);
    NDArray std = AutoencoderKLLTXVideo.std(moments);
    rec.record("vae.encode.mean", mean);
    rec.record("vae.encode.std", std);
    NDArray encodeNoise = generator.randn(run, mean.getShape()).toType(mean.getDataType(), false);
    rec.record("vae.encode.noise", encodeNoise);
    NDArray initLatents = mean.add(std.mul(encodeNoise)).toType(DataType.FLOAT32, false); // (1, C, 1, H, W)
    rec.record("vae.encode.sample", initLatents);
    initLatents = LTXPipeline.normalizeLatents(initLatents, c.vae().latentsMean(), c.vae().latentsStd(), 1.0);
    rec.record("image.latents", initLatents);
    initLatents = initLatents.repeat(2, g.numFrames()); // (1, C, F, H, W)
    float[] mask = new float[g.numFrames() * g.height() * g.width()];
    Arrays.fill(mask, 0, g.height() * g.width(), 1f); // conditioning_mask[:, :, 0] = 1
    NDArray conditioningMask = run.create(mask, new Shape(1, 1, g.numFrames(), g.height(), g.width()));
    rec.record("conditioning_mask.unpacked", conditioningMask);
    NDArray packedMask = LTXPipeline.packLatents(conditioningMask, 1, 1).squeeze(-1); // (1, seq)
    rec.record("conditioning_mask", packedMask);
    boolean givenPacked = givenNoise != null && givenNoise.shape().length == 3;
    NDArray packed;
    if (givenPacked) {
      // the caller gives the start of the loop itself (prepare_latents' result); the noise is still drawn, and
      // dropped, so that later draws (0.9.1's decode noise) come from the generator's same position as in diffusers
      generator.randn(run, shape).close();
      packed = run.create(givenNoise.data(), new Shape(givenNoise.shape()));
    } else {
      NDArray noise = givenNoise != null ? run.create(givenNoise.data(), shape) : generator.randn(run, shape);
      rec.record("latents.noise", noise);
      // init_latents * conditioning_mask + noise * (1 - conditioning_mask)
      NDArray latents = initLatents.mul(conditioningMask).add(noise.mul(conditioningMask.neg().add(1f)));
      rec.record("latents.initial_unpacked", latents);
      packed = LTXPipeline.packLatents(latents, 1, 1); // (1, seq, C)
    }
    rec.record("latents.initial", packed);
    return new Conditioned(packed, packedMask);
  }

  /** {@code t.expand(batch).unsqueeze(-1) * (1 - conditioning_mask)}: {@code (2B, seq)}, 0 on the image's tokens. */
  static NDArray perTokenTimestep(NDArray conditioningMask, float t) {
    return conditioningMask.neg().add(1f).mul(t);
  }
}
