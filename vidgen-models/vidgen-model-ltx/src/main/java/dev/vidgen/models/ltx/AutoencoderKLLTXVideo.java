package dev.vidgen.models.ltx;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.google.common.base.Preconditions;
import dev.vidgen.nn.Scopes;
import dev.vidgen.noise.NoiseSource;
import dev.vidgen.weights.ComponentWeights;
import dev.vidgen.weights.JsonConfig;
import dev.vidgen.weights.WeightLoader;
import dev.vidgen.weights.WeightSource;
import dev.vidgen.weights.Weights;
import java.nio.file.Path;
import java.util.List;

/**
 * Port of diffusers v0.32.2 {@code models/autoencoders/autoencoder_kl_ltx.py} ({@code AutoencoderKLLTXVideo}):
 * the LTX-Video causal video VAE, {@code encoder} ({@link LTXVideoEncoder3d}) and {@code decoder} ({@link
 * LTXVideoDecoder3d}), with the persistent buffers {@code latents_mean} / {@code latents_std} the pipeline uses to
 * (de)normalise latents. Tiled and sliced decoding are not ported: {@link #decode} always runs in one piece.
 */
public final class AutoencoderKLLTXVideo implements dev.vidgen.spi.LatentDecoder {
  private final AutoencoderKLLTXVideoConfig config;
  private final LTXVideoEncoder3d encoder;
  private final LTXVideoDecoder3d decoder;
  private final NDArray latentsMean;
  private final NDArray latentsStd;

  /** Takes the weights; no arithmetic. */
  public AutoencoderKLLTXVideo(AutoencoderKLLTXVideoConfig config, Weights w) {
    this.config = config;
    Weights ww = w.because(config + " from vae/config.json");
    this.encoder = new LTXVideoEncoder3d(ww.at("encoder"), config);
    this.decoder = new LTXVideoDecoder3d(ww.at("decoder"), config);
    this.latentsMean = ww.get("latents_mean", config.latentChannels());
    this.latentsStd = ww.get("latents_std", config.latentChannels());
  }

  /** Loads {@code vae/} strictly. */
  public static AutoencoderKLLTXVideo load(Path dir, NDManager manager, DataType dtype) {
    return load(dir, manager, dtype, null);
  }

  /** As {@link #load(Path, NDManager, DataType)}, from the weight files of a variant (e.g. {@code fp16}: {@code *.fp16.safetensors}), or the plain files when {@code variant} is null. */
  public static AutoencoderKLLTXVideo load(Path dir, NDManager manager, DataType dtype, String variant) {
    AutoencoderKLLTXVideoConfig cfg = AutoencoderKLLTXVideoConfig.parse(JsonConfig.read(dir.resolve("config.json")));
    try (WeightSource src = ComponentWeights.open(dir, variant, "diffusion_pytorch_model")) {
      return load(cfg, src, manager, dtype);
    }
  }

  /**
   * Loads strictly from any source of diffusers-named tensors, e.g. the VAE part of a single-file checkpoint
   * ({@link dev.vidgen.weights.RenamedWeights}). The source stays open; its opener closes it.
   */
  public static AutoencoderKLLTXVideo load(AutoencoderKLLTXVideoConfig cfg, WeightSource src, NDManager manager,
      DataType dtype) {
    WeightLoader loader = new WeightLoader(src, manager, dtype);
    AutoencoderKLLTXVideo m = new AutoencoderKLLTXVideo(cfg, loader.root());
    loader.finish("AutoencoderKLLTXVideo", List.of());
    return m;
  }

  public AutoencoderKLLTXVideoConfig config() {
    return config;
  }

  /** The {@code latents_mean} buffer {@code [latent_channels]}. */
  public NDArray latentsMean() {
    return latentsMean;
  }

  /** The {@code latents_std} buffer {@code [latent_channels]}. */
  public NDArray latentsStd() {
    return latentsStd;
  }

  /**
   * {@code vae.decode(z, temb).sample}.
   *
   * @param z latents {@code [B, latent_channels, F, H, W]}
   * @param temb decode timestep {@code [B]} for a timestep-conditioned decoder (LTX-Video 0.9.1), else null
   * @param generator noise for decoders with {@code decoder_inject_noise}, else may be null
   * @return video {@code [B, out_channels, (F-1)·t+1, H·s, W·s]}, about [-1, 1]
   */
  public NDArray decode(NDArray z, NDArray temb, NoiseSource generator) {
    Preconditions.checkArgument(z.getShape().dimension() == 5 && z.getShape().get(1) == config.latentChannels(),
        "latents must be [B, %s, F, H, W], got %s", config.latentChannels(), z.getShape());
    return Scopes.keep(() -> decoder.forward(z, temb, generator));
  }

  /**
   * {@link dev.vidgen.spi.LatentDecoder}: decodes the whole clip at once whatever {@code chunkSize} is, because
   * the decoder convolves across frames (cutting the clip into chunks would change the result). Decoders that
   * need a timestep or inject noise (LTX-Video 0.9.1) must use {@link #decode(NDArray, NDArray, NoiseSource)}.
   *
   * @param latents de-normalised latents {@code [B, latent_channels, F, H, W]}
   */
  @Override
  public NDArray decode(NDArray latents, int chunkSize) {
    Preconditions.checkArgument(chunkSize >= 1, "chunkSize must be >= 1 but was %s", chunkSize);
    return decode(latents, null, null);
  }

  /**
   * {@code vae.encode(x).latent_dist} as its parameters: the moments {@code [B, 2·latent_channels, F', H', W']}
   * (mean, then log-variance) of {@code DiagonalGaussianDistribution}. Use {@link #mode} for the mean.
   *
   * @param x video {@code [B, in_channels, F, H, W]} in [-1, 1]; F = 1 + k·temporal ratio, H and W multiples
   *     of the spatial ratio
   */
  public NDArray encode(NDArray x) {
    Preconditions.checkArgument(x.getShape().dimension() == 5 && x.getShape().get(1) == config.inChannels(),
        "video must be [B, %s, F, H, W], got %s", config.inChannels(), x.getShape());
    return Scopes.keep(() -> encoder.forward(x));
  }

  /** {@code DiagonalGaussianDistribution(moments).mode()}: the mean half of the moments. */
  public static NDArray mode(NDArray moments) {
    long c = moments.getShape().get(1) / 2;
    return moments.get(":, :" + c);
  }

  /** {@code DiagonalGaussianDistribution(moments).std}: {@code exp(0.5·clamp(logvar, -30, 20))} of the second half. */
  public static NDArray std(NDArray moments) {
    return Scopes.keep(() -> {
      long c = moments.getShape().get(1) / 2;
      return moments.get(":, " + c + ":").clip(-30f, 20f).mul(0.5f).exp();
    });
  }

  /**
   * {@code DiagonalGaussianDistribution(moments).sample(generator)}: {@code mean + std · ε}, with ε drawn from
   * {@code generator} in the moments' half shape.
   */
  public static NDArray sample(NDArray moments, NoiseSource generator) {
    return Scopes.keep(() -> {
      NDArray mean = mode(moments);
      NDArray eps = generator.randn(moments.getManager(), mean.getShape()).toType(mean.getDataType(), false);
      return mean.add(std(moments).mul(eps));
    });
  }
}
