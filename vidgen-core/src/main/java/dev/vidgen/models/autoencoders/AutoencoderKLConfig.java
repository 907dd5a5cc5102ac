package dev.vidgen.models.autoencoders;

import dev.vidgen.api.ConfigException;
import dev.vidgen.weights.ConfigEnum;
import dev.vidgen.weights.JsonConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The {@code vae/config.json} of diffusers v0.32.2 {@code models/autoencoders/autoencoder_kl.py} ({@code
 * AutoencoderKL.__init__}), with its defaults for absent fields.
 *
 * @param inChannels image channels
 * @param outChannels decoded image channels
 * @param downBlockTypes encoder blocks, one per {@code block_out_channels} entry
 * @param upBlockTypes decoder blocks, one per {@code block_out_channels} entry
 * @param blockOutChannels channels of each resolution level
 * @param layersPerBlock resnets per encoder block (the decoder has one more)
 * @param actFn activation of the resnets and the output
 * @param latentChannels latent channels
 * @param normNumGroups groups of every group norm
 * @param sampleSize default tile size (used only by tiling)
 * @param scalingFactor the latents the denoiser sees are {@code z * scaling_factor}
 * @param shiftFactor subtracted before scaling by some families (SD3, Flux); null when absent
 * @param latentsMean per-channel latent mean, or null
 * @param latentsStd per-channel latent std, or null
 * @param forceUpcast pipelines run this VAE in float32 even when the rest is half precision
 * @param useQuantConv the encoder output passes a 1×1 {@code quant_conv}
 * @param usePostQuantConv the decoder input passes a 1×1 {@code post_quant_conv}
 * @param midBlockAddAttention the mid-blocks have their self-attention
 */
public record AutoencoderKLConfig(int inChannels, int outChannels, List<DownBlockType> downBlockTypes,
    List<UpBlockType> upBlockTypes, int[] blockOutChannels, int layersPerBlock, ActFn actFn, int latentChannels,
    int normNumGroups, int sampleSize, double scalingFactor, Double shiftFactor, double[] latentsMean,
    double[] latentsStd, boolean forceUpcast, boolean useQuantConv, boolean usePostQuantConv,
    boolean midBlockAddAttention) {

  /** {@code down_block_types} entries this port builds. */
  public enum DownBlockType implements ConfigEnum {
    DOWN_ENCODER_BLOCK_2D("DownEncoderBlock2D");

    private final String json;

    DownBlockType(String json) {
      this.json = json;
    }

    @Override
    public String jsonName() {
      return json;
    }
  }

  /** {@code up_block_types} entries this port builds. */
  public enum UpBlockType implements ConfigEnum {
    UP_DECODER_BLOCK_2D("UpDecoderBlock2D");

    private final String json;

    UpBlockType(String json) {
      this.json = json;
    }

    @Override
    public String jsonName() {
      return json;
    }
  }

  /** {@code act_fn}: the core resnet blocks implement SiLU ("silu", alias "swish"). */
  public enum ActFn implements ConfigEnum {
    SILU("silu"),
    SWISH("swish");

    private final String json;

    ActFn(String json) {
      this.json = json;
    }

    @Override
    public String jsonName() {
      return json;
    }
  }

  public AutoencoderKLConfig {
    downBlockTypes = List.copyOf(downBlockTypes);
    upBlockTypes = List.copyOf(upBlockTypes);
    blockOutChannels = blockOutChannels.clone();
    latentsMean = latentsMean == null ? null : latentsMean.clone();
    latentsStd = latentsStd == null ? null : latentsStd.clone();
    if (blockOutChannels.length == 0) {
      throw new ConfigException("AutoencoderKLConfig: block_out_channels must not be empty");
    }
  }

  @Override
  public int[] blockOutChannels() {
    return blockOutChannels.clone();
  }

  @Override
  public double[] latentsMean() {
    return latentsMean == null ? null : latentsMean.clone();
  }

  @Override
  public double[] latentsStd() {
    return latentsStd == null ? null : latentsStd.clone();
  }

  /** {@code 2 ** (len(block_out_channels) - 1)}: pixels per latent along each side (8 for the SD VAE). */
  public int spatialScaleFactor() {
    return 1 << (blockOutChannels.length - 1);
  }

  /** Reads {@code vae/config.json}. */
  public static AutoencoderKLConfig read(Path configFile) {
    return parse(JsonConfig.read(configFile));
  }

  /** Parses with the defaults of diffusers v0.32.2 {@code AutoencoderKL.__init__}, validating what it builds. */
  public static AutoencoderKLConfig parse(JsonConfig c) {
    int[] blockOutChannels = c.getIntArray("block_out_channels", new int[] {64});
    List<DownBlockType> down = enumList(c, "down_block_types", DownBlockType.class, List.of("DownEncoderBlock2D"));
    List<UpBlockType> up = enumList(c, "up_block_types", UpBlockType.class, List.of("UpDecoderBlock2D"));
    if (blockOutChannels.length == 0) {
      throw c.error("block_out_channels", "must not be empty");
    }
    if (down.size() != blockOutChannels.length) {
      throw c.error("down_block_types", "has " + down.size() + " entries but block_out_channels has "
          + blockOutChannels.length);
    }
    if (up.size() != blockOutChannels.length) {
      throw c.error("up_block_types", "has " + up.size() + " entries but block_out_channels has "
          + blockOutChannels.length);
    }
    int layersPerBlock = c.getInt("layers_per_block", 1);
    if (layersPerBlock < 1) {
      throw c.error("layers_per_block", "must be at least 1, got " + layersPerBlock);
    }
    int normNumGroups = c.getInt("norm_num_groups", 32);
    for (int i = 0; i < blockOutChannels.length; i++) {
      if (blockOutChannels[i] <= 0 || normNumGroups <= 0 || blockOutChannels[i] % normNumGroups != 0) {
        throw c.error("norm_num_groups", "(" + normNumGroups + ") must divide every block_out_channels entry, but "
            + "block_out_channels[" + i + "]=" + blockOutChannels[i]);
      }
    }
    int latentChannels = c.getInt("latent_channels", 4);
    if (latentChannels <= 0) {
      throw c.error("latent_channels", "must be positive, got " + latentChannels);
    }
    double[] latentsMean = c.getDoubleArray("latents_mean", null);
    double[] latentsStd = c.getDoubleArray("latents_std", null);
    if (latentsMean != null && latentsMean.length != latentChannels) {
      throw c.error("latents_mean", "has " + latentsMean.length + " entries but latent_channels is " + latentChannels);
    }
    if (latentsStd != null && latentsStd.length != latentChannels) {
      throw c.error("latents_std", "has " + latentsStd.length + " entries but latent_channels is " + latentChannels);
    }
    AutoencoderKLConfig cfg = new AutoencoderKLConfig(
        c.getInt("in_channels", 3),
        c.getInt("out_channels", 3),
        down,
        up,
        blockOutChannels,
        layersPerBlock,
        c.getEnum("act_fn", ActFn.class, ActFn.SILU),
        latentChannels,
        normNumGroups,
        c.getInt("sample_size", 32),
        c.getDouble("scaling_factor", 0.18215),
        c.getDoubleOrNull("shift_factor"),
        latentsMean,
        latentsStd,
        c.getBool("force_upcast", true),
        c.getBool("use_quant_conv", true),
        c.getBool("use_post_quant_conv", true),
        c.getBool("mid_block_add_attention", true));
    c.logUnknown("AutoencoderKL");
    return cfg;
  }

  private static <E extends Enum<E> & ConfigEnum> List<E> enumList(JsonConfig c, String key, Class<E> type,
      List<String> def) {
    List<E> out = new ArrayList<>();
    for (String s : c.getStringList(key, def)) {
      E found = null;
      for (E v : type.getEnumConstants()) {
        if (v.jsonName().equals(s)) {
          found = v;
        }
      }
      if (found == null) {
        List<String> allowed = new ArrayList<>();
        for (E v : type.getEnumConstants()) {
          allowed.add(v.jsonName());
        }
        throw c.error(key, "entry '" + s + "' is not supported by vidgen's AutoencoderKL (supported: " + allowed
            + ")");
      }
      out.add(found);
    }
    return out;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof AutoencoderKLConfig k && inChannels == k.inChannels && outChannels == k.outChannels
        && downBlockTypes.equals(k.downBlockTypes) && upBlockTypes.equals(k.upBlockTypes)
        && Arrays.equals(blockOutChannels, k.blockOutChannels) && layersPerBlock == k.layersPerBlock
        && actFn == k.actFn && latentChannels == k.latentChannels && normNumGroups == k.normNumGroups
        && sampleSize == k.sampleSize && Double.compare(scalingFactor, k.scalingFactor) == 0
        && java.util.Objects.equals(shiftFactor, k.shiftFactor) && Arrays.equals(latentsMean, k.latentsMean)
        && Arrays.equals(latentsStd, k.latentsStd) && forceUpcast == k.forceUpcast
        && useQuantConv == k.useQuantConv && usePostQuantConv == k.usePostQuantConv
        && midBlockAddAttention == k.midBlockAddAttention;
  }

  @Override
  public int hashCode() {
    return java.util.Objects.hash(inChannels, outChannels, downBlockTypes, upBlockTypes,
        Arrays.hashCode(blockOutChannels), layersPerBlock, latentChannels, normNumGroups, scalingFactor, shiftFactor);
  }

  @Override
  public String toString() {
    return "AutoencoderKLConfig[block_out_channels=" + Arrays.toString(blockOutChannels) + ", layers_per_block="
        + layersPerBlock + ", latent_channels=" + latentChannels + ", norm_num_groups=" + normNumGroups
        + ", scaling_factor=" + scalingFactor + ", shift_factor=" + shiftFactor + ", force_upcast=" + forceUpcast
        + ", use_quant_conv=" + useQuantConv + ", use_post_quant_conv=" + usePostQuantConv
        + ", mid_block_add_attention=" + midBlockAddAttention + "]";
  }
}
