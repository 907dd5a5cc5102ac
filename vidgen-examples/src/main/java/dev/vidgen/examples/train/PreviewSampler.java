package dev.vidgen.examples.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.vidgen.models.autoencoders.AutoencoderKL;
import dev.vidgen.models.modelscope.UNet3DConditionModel;
import dev.vidgen.text.CLIPTextModel;
import dev.vidgen.text.ClipTokenizer;
import java.util.SplittableRandom;

/**
 * Samples from the model being trained, to measure progress while training: DDIM (Song et al., 2021, eq. 12 with
 * η = 0) on the {@code "leading"} timesteps with {@code steps_offset = 1} and {@code set_alpha_to_one = false}, as the
 * demo's {@code scheduler_config.json} asks of diffusers' {@code DDIMScheduler}, with classifier-free guidance against
 * the empty prompt. The shipped model is checked through {@code VideoPipeline} instead; this sampler only needs the
 * components in memory.
 */
final class PreviewSampler {
  private final ClipTokenizer tokenizer;
  private final CLIPTextModel textEncoder;
  private final UNet3DConditionModel unet;
  private final AutoencoderKL vae;
  private final DdpmNoise noise;
  private final double scalingFactor;
  private final int frames;
  private final int latentSize;

  PreviewSampler(ClipTokenizer tokenizer, CLIPTextModel textEncoder, UNet3DConditionModel unet, AutoencoderKL vae,
      DdpmNoise noise, double scalingFactor, int frames, int latentSize) {
    this.tokenizer = tokenizer;
    this.textEncoder = textEncoder;
    this.unet = unet;
    this.vae = vae;
    this.noise = noise;
    this.scalingFactor = scalingFactor;
    this.frames = frames;
    this.latentSize = latentSize;
  }

  /** Frames {@code [F, H, W, 3]} in [0, 1]. */
  @SuppressWarnings("try") // the scope frees what the body creates; it is not referenced
  float[] sample(NDManager manager, String prompt, long seed, int steps, double guidance) {
    try (NDScope scope = new NDScope()) {
      long[] cond = tokenizer.encode(prompt);
      long[] uncond = tokenizer.encode("");
      long[] both = new long[cond.length * 2];
      System.arraycopy(uncond, 0, both, 0, uncond.length);
      System.arraycopy(cond, 0, both, uncond.length, cond.length);
      NDArray embeds = textEncoder.forward(manager.create(both, new Shape(2, cond.length))); // (2, 77, D)
      SplittableRandom rng = new SplittableRandom(seed);
      int n = 4 * frames * latentSize * latentSize;
      float[] z = new float[n];
      for (int i = 0; i < n; i++) {
        z[i] = (float) rng.nextGaussian();
      }
      NDArray latents = manager.create(z, new Shape(1, 4, frames, latentSize, latentSize));
      int train = noise.numTrainTimesteps();
      int ratio = train / steps;
      for (int i = 0; i < steps; i++) {
        int t = (steps - 1 - i) * ratio + 1; // "leading" spacing plus steps_offset
        int prev = t - ratio;
        double alphaProdT = noise.alphaCumprod(t);
        double alphaProdTPrev = prev >= 0 ? noise.alphaCumprod(prev) : noise.alphaCumprod(0);
        NDArray input = latents.concat(latents, 0); // (2, 4, F, h, w)
        NDArray eps = unet.forward(input, manager.create(new float[] {t, t}), embeds);
        NDList parts = eps.split(2, 0);
        NDArray epsU = parts.get(0);
        NDArray guided = epsU.add(parts.get(1).sub(epsU).mul((float) guidance));
        NDArray predOriginalSample = latents.sub(guided.mul((float) Math.sqrt(1 - alphaProdT)))
            .div((float) Math.sqrt(alphaProdT));
        latents = predOriginalSample.mul((float) Math.sqrt(alphaProdTPrev))
            .add(guided.mul((float) Math.sqrt(1 - alphaProdTPrev)));
      }
      NDArray perFrame = latents.div((float) scalingFactor).transpose(0, 2, 1, 3, 4) // (1, F, 4, h, w)
          .reshape(frames, 4, latentSize, latentSize); // (F, 4, h, w)
      NDArray images = vae.decode(perFrame).div(2f).add(0.5f).clip(0f, 1f); // (F, 3, H, W)
      return images.transpose(0, 2, 3, 1).toType(DataType.FLOAT32, false).toFloatArray(); // (F, H, W, 3)
    }
  }
}
