package dev.vidgen.models.svd;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.vidgen.models.autoencoders.AutoencoderKLConfig;
import dev.vidgen.models.autoencoders.Encoder;
import dev.vidgen.nn.Conv;
import dev.vidgen.nn.Scopes;
import dev.vidgen.spi.LatentDecoder;
import dev.vidgen.weights.ComponentWeights;
import dev.vidgen.weights.WeightLoader;
import dev.vidgen.weights.WeightSource;
import dev.vidgen.weights.Weights;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;

/**
 * Port of diffusers v0.32.2 {@code models/autoencoders/autoencoder_kl_temporal_decoder.py} ({@code
 * AutoencoderKLTemporalDecoder}): Stable Video Diffusion's VAE. The encoder is the standard 2-D VAE {@link Encoder}
 * followed by {@code quant_conv}; the {@link TemporalDecoder} decodes the frames of one call together, mixing them
 * in its spatio-temporal resnets and its final temporal convolution. There is no {@code post_quant_conv}.
 */
public final class AutoencoderKLTemporalDecoder implements LatentDecoder {
  private final AutoencoderKLTemporalDecoderConfig config;
  private final Encoder encoder;
  private final TemporalDecoder decoder;
  private final Conv quantConv;

  /** Takes the weights named by {@code config}; no arithmetic, so a {@code ManifestWeights} view is enough. */
  public AutoencoderKLTemporalDecoder(AutoencoderKLTemporalDecoderConfig config, Weights w) {
    this.config = config;
    this.encoder = new Encoder(w.at("encoder"), encoderConfig(config));
    this.decoder = new TemporalDecoder(w.at("decoder"), config.latentChannels(), config.outChannels(),
        config.blockOutChannels(), config.layersPerBlock());
    int moments = 2 * config.latentChannels();
    this.quantConv = Conv.load2d(w.at("quant_conv"), moments, moments, 1, 1, 0);
  }

  /**
   * The arguments diffusers passes to {@code Encoder} here: its own {@code in_channels}, {@code down_block_types},
   * {@code block_out_channels}, {@code layers_per_block}, {@code out_channels=latent_channels}, {@code
   * double_z=True}, and the Encoder's defaults (32 groups, SiLU, mid-block attention).
   */
  static AutoencoderKLConfig encoderConfig(AutoencoderKLTemporalDecoderConfig c) {
    int n = c.blockOutChannels().length;
    return new AutoencoderKLConfig(c.inChannels(), c.outChannels(),
        Collections.nCopies(n, AutoencoderKLConfig.DownBlockType.DOWN_ENCODER_BLOCK_2D),
        Collections.nCopies(n, AutoencoderKLConfig.UpBlockType.UP_DECODER_BLOCK_2D), c.blockOutChannels(),
        c.layersPerBlock(), AutoencoderKLConfig.ActFn.SILU, c.latentChannels(), 32, c.sampleSize(), c.scalingFactor(),
        null, null, null, c.forceUpcast(), true, false, true);
  }

  /** Loads a {@code vae/} folder ({@code config.json} + {@code diffusion_pytorch_model.safetensors}), strictly. */
  public static AutoencoderKLTemporalDecoder load(Path vaeDir, NDManager manager, DataType dtype) {
    return load(vaeDir, manager, dtype, null);
  }

  /** As {@link #load(Path, NDManager, DataType)}, from the weight files of a variant (e.g. {@code fp16}: {@code *.fp16.safetensors}), or the plain files when {@code variant} is null. */
  public static AutoencoderKLTemporalDecoder load(Path vaeDir, NDManager manager, DataType dtype, String variant) {
    AutoencoderKLTemporalDecoderConfig config = AutoencoderKLTemporalDecoderConfig.read(vaeDir.resolve(
        "config.json"));
    try (WeightSource source = ComponentWeights.open(vaeDir, variant, "diffusion_pytorch_model")) {
      WeightLoader loader = new WeightLoader(source, manager, dtype);
      AutoencoderKLTemporalDecoder model = new AutoencoderKLTemporalDecoder(config, loader.root());
      loader.finish("AutoencoderKLTemporalDecoder", List.of());
      return model;
    }
  }

  public AutoencoderKLTemporalDecoderConfig config() {
    return config;
  }

  /**
   * {@code vae.encode(x).latent_dist.mode()}: the mean of the latent distribution (not scaled by {@code
   * scaling_factor}).
   *
   * @param x images {@code [N, in_channels, H, W]} in about [-1, 1]
   * @return {@code [N, latent_channels, H / f, W / f]}
   */
  public NDArray encodeMean(NDArray x) {
    Shape s = x.getShape();
    int f = config.vaeScaleFactor();
    if (s.dimension() != 4 || s.get(1) != config.inChannels() || s.get(2) % f != 0 || s.get(3) % f != 0) {
      throw new IllegalArgumentException("AutoencoderKLTemporalDecoder.encode: images must be [batch, "
          + config.inChannels() + ", H, W] with H and W multiples of " + f + " (vae scale factor), got " + s);
    }
    return Scopes.keep(() -> {
      NDArray moments = quantConv.forward(encoder.forward(x)); // (N, 2*latent, h, w): mean, logvar
      return moments.get(new NDIndex(":, 0:{}", config.latentChannels())); // DiagonalGaussianDistribution.mode()
    });
  }

  /**
   * diffusers' {@code decode(z, num_frames)}: every {@code numFrames} consecutive latents form one video whose
   * frames are decoded together.
   *
   * @param z {@code [B*F, latent_channels, h, w]}, already divided by {@code scaling_factor}
   * @return {@code [B*F, out_channels, H, W]}
   */
  public NDArray decodeFrames(NDArray z, int numFrames) {
    checkLatents(z);
    long n = z.getShape().get(0);
    if (numFrames < 1 || n % numFrames != 0) {
      throw new IllegalArgumentException("AutoencoderKLTemporalDecoder.decode: " + n + " latents cannot be split "
          + "into videos of num_frames=" + numFrames);
    }
    return Scopes.keep(() -> {
      NDArray imageOnlyIndicator = z.getManager().zeros(new Shape(n / numFrames, numFrames), z.getDataType());
      return decoder.forward(z, imageOnlyIndicator, numFrames);
    });
  }

  /**
   * The pipeline's {@code decode_latents} loop: consecutive chunks of {@code decodeChunkSize} latents, each decoded
   * as one video ({@code num_frames} = the chunk's length), concatenated. The temporal layers see only the frames
   * of their chunk, so the chunk size changes the result, as in diffusers.
   *
   * @param z {@code [B*numFrames, latent_channels, h, w]}, already divided by {@code scaling_factor}
   * @param numFrames frames per video (checks that {@code z} holds whole videos)
   * @param decodeChunkSize latents per decoder call
   * @return {@code [B*numFrames, out_channels, H, W]}
   */
  public NDArray decode(NDArray z, int numFrames, int decodeChunkSize) {
    checkLatents(z);
    long n = z.getShape().get(0);
    if (numFrames < 1 || n % numFrames != 0) {
      throw new IllegalArgumentException("AutoencoderKLTemporalDecoder.decode: " + n + " latents do not hold whole "
          + "videos of num_frames=" + numFrames);
    }
    if (decodeChunkSize < 1) {
      throw new IllegalArgumentException("decode_chunk_size must be >= 1, got " + decodeChunkSize);
    }
    return Scopes.keep(() -> {
      NDList frames = new NDList();
      for (long i = 0; i < n; i += decodeChunkSize) {
        long end = Math.min(i + decodeChunkSize, n);
        NDArray chunk = z.get(new NDIndex("{}:{}", i, end)); // (end - i, C, h, w)
        frames.add(decodeFrames(chunk, Math.toIntExact(end - i)));
      }
      return NDArrays.concat(frames, 0);
    });
  }

  /**
   * {@link LatentDecoder}: all latents are the frames of one video, decoded in calls of {@code chunkSize} frames as
   * {@link #decode(NDArray, int, int)} does. Unlike a per-frame VAE, the result depends on the chunk size (the
   * temporal layers only see the frames of their call), exactly as diffusers' {@code decode_chunk_size} does.
   *
   * @param latents {@code [F, latent_channels, h, w]}, already divided by {@code scaling_factor}
   */
  @Override
  public NDArray decode(NDArray latents, int chunkSize) {
    checkLatents(latents);
    return decode(latents, Math.toIntExact(latents.getShape().get(0)), chunkSize);
  }

  private void checkLatents(NDArray z) {
    Shape s = z.getShape();
    if (s.dimension() != 4 || s.get(1) != config.latentChannels()) {
      throw new IllegalArgumentException("AutoencoderKLTemporalDecoder.decode: latents must be [frames, "
          + config.latentChannels() + " (latent_channels), h, w], got " + s);
    }
  }
}
