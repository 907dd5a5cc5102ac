package dev.vidgen.models.autoencoders;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.vidgen.nn.Conv;
import dev.vidgen.nn.Scopes;
import dev.vidgen.weights.ComponentWeights;
import dev.vidgen.weights.WeightLoader;
import dev.vidgen.weights.WeightSource;
import dev.vidgen.weights.Weights;
import java.nio.file.Path;
import java.util.List;

/**
 * Port of diffusers v0.32.2 {@code models/autoencoders/autoencoder_kl.py} ({@code AutoencoderKL}): the KL
 * autoencoder of Stable Diffusion, used per frame by ModelScope and other video families. {@link #decode} is
 * {@code post_quant_conv} + {@link Decoder}; {@link #encodeMoments} is {@link Encoder} + {@code quant_conv}, read as
 * diffusers' {@code DiagonalGaussianDistribution} (mean, clamped log-variance). Tiling and slicing are not
 * implemented; {@link #decode(NDArray, int)} bounds memory by decoding a few frames at a time instead (exact,
 * since every image is decoded independently).
 *
 * <p>Scaling is the caller's: the pipeline divides latents by {@code scaling_factor} (and adds {@code shift_factor}
 * where the family uses it) before {@link #decode}.
 */
public final class AutoencoderKL implements dev.vidgen.spi.LatentDecoder {
  private final AutoencoderKLConfig config;
  private final Encoder encoder;
  private final Decoder decoder;
  private final Conv quantConv;
  private final Conv postQuantConv;

  /** Takes the weights under {@code w} (the component root); no arithmetic. */
  public AutoencoderKL(AutoencoderKLConfig config, Weights w) {
    this.config = config;
    this.encoder = new Encoder(w.at("encoder"), config);
    this.decoder = new Decoder(w.at("decoder"), config);
    long latent = config.latentChannels();
    this.quantConv = config.useQuantConv()
        ? Conv.load2d(w.at("quant_conv").because("use_quant_conv=true in vae/config.json"), 2 * latent, 2 * latent, 1,
            1, 0) : null;
    this.postQuantConv = config.usePostQuantConv()
        ? Conv.load2d(w.at("post_quant_conv").because("use_post_quant_conv=true in vae/config.json"), latent, latent,
            1, 1, 0) : null;
  }

  /** Loads a {@code vae/} folder ({@code config.json} + {@code diffusion_pytorch_model.safetensors}), strictly. */
  public static AutoencoderKL load(Path vaeDir, NDManager manager, DataType dtype) {
    return load(vaeDir, manager, dtype, null);
  }

  /** As {@link #load(Path, NDManager, DataType)}, from the weight files of a variant (e.g. {@code fp16}: {@code *.fp16.safetensors}), or the plain files when {@code variant} is null. */
  public static AutoencoderKL load(Path vaeDir, NDManager manager, DataType dtype, String variant) {
    AutoencoderKLConfig config = AutoencoderKLConfig.read(vaeDir.resolve("config.json"));
    try (WeightSource source = ComponentWeights.open(vaeDir, variant, "diffusion_pytorch_model")) {
      WeightLoader loader = new WeightLoader(source, manager, dtype);
      AutoencoderKL model = new AutoencoderKL(config, loader.root());
      loader.finish("AutoencoderKL", List.of());
      return model;
    }
  }

  public AutoencoderKLConfig config() {
    return config;
  }

  /** {@code 2 ** (len(block_out_channels) - 1)}: pixels per latent along each side. */
  public int spatialScaleFactor() {
    return config.spatialScaleFactor();
  }

  /**
   * diffusers' {@code vae.decode(z).sample}.
   *
   * @param z latents {@code [N, latent_channels, h, w]}, already divided by {@code scaling_factor}
   * @return images {@code [N, out_channels, h * f, w * f]}, roughly in {@code [-1, 1]}
   */
  public NDArray decode(NDArray z) {
    checkLatents(z);
    return Scopes.keep(() -> {
      NDArray h = postQuantConv == null ? z : postQuantConv.forward(z);
      return decoder.forward(h);
    });
  }

  /**
   * As {@link #decode(NDArray)}, {@code chunkSize} images at a time (diffusers' sliced decoding generalised), so
   * that peak memory follows the chunk, not N. The result is the same as one call.
   */
  @Override
  public NDArray decode(NDArray z, int chunkSize) {
    if (chunkSize < 1) {
      throw new IllegalArgumentException("AutoencoderKL.decode: chunkSize must be >= 1 but was " + chunkSize);
    }
    checkLatents(z);
    long n = z.getShape().get(0);
    if (chunkSize >= n) {
      return decode(z);
    }
    return Scopes.keep(() -> {
      NDList parts = new NDList();
      for (long start = 0; start < n; start += chunkSize) {
        long end = Math.min(n, start + chunkSize);
        parts.add(decode(z.get(new NDIndex("{}:{}", start, end)))); // (end-start, C, H, W)
      }
      return ai.djl.ndarray.NDArrays.concat(parts, 0); // (N, C, H, W)
    });
  }

  /**
   * The parameters of diffusers' {@code vae.encode(x).latent_dist}: {@code cat([mean, clamp(logvar, -30, 20)],
   * dim=1)}.
   *
   * @param x images {@code [N, in_channels, H, W]} in {@code [-1, 1]}
   * @return {@code [N, 2 * latent_channels, H / f, W / f]}
   */
  public NDArray encodeMoments(NDArray x) {
    checkImages(x);
    return Scopes.keep(() -> {
      NDArray h = encoder.forward(x);
      if (quantConv != null) {
        h = quantConv.forward(h);
      }
      // DiagonalGaussianDistribution: mean, logvar = chunk(h, 2, dim=1); logvar = clamp(logvar, -30, 20)
      NDList meanLogvar = h.split(2, 1); // 2 x (N, latent, h, w)
      NDArray logvar = meanLogvar.get(1).clip(-30f, 20f);
      return meanLogvar.get(0).concat(logvar, 1); // (N, 2*latent, h, w)
    });
  }

  /** The mean of the latent distribution ({@code latent_dist.mode()}): {@code [N, latent_channels, H / f, W / f]}. */
  public NDArray encodeMean(NDArray x) {
    checkImages(x);
    return Scopes.keep(() -> {
      NDArray h = encoder.forward(x);
      if (quantConv != null) {
        h = quantConv.forward(h);
      }
      return h.get(new NDIndex(":, 0:{}", config.latentChannels())); // (N, latent, h, w)
    });
  }

  private void checkLatents(NDArray z) {
    Shape s = z.getShape();
    if (s.dimension() != 4 || s.get(1) != config.latentChannels()) {
      throw new IllegalArgumentException("AutoencoderKL.decode: latents must be [N, " + config.latentChannels()
          + " (latent_channels), h, w], got " + s);
    }
  }

  private void checkImages(NDArray x) {
    Shape s = x.getShape();
    if (s.dimension() != 4 || s.get(1) != config.inChannels()) {
      throw new IllegalArgumentException("AutoencoderKL.encode: images must be [N, " + config.inChannels()
          + " (in_channels), H, W], got " + s);
    }
  }
}
