package dev.vidgen.models.svd;

import dev.vidgen.weights.JsonConfig;
import java.nio.file.Path;
import java.util.List;

/**
 * The {@code vae/config.json} of diffusers v0.32.2 {@code AutoencoderKLTemporalDecoder}, with its {@code __init__}
 * defaults for absent fields.
 *
 * @param inChannels image channels of the encoder input
 * @param outChannels image channels of the decoder output
 * @param downBlockTypes encoder block types (only {@code DownEncoderBlock2D} exists)
 * @param blockOutChannels channels of each encoder block (the decoder uses them reversed)
 * @param layersPerBlock resnets per encoder block (the decoder has one more)
 * @param latentChannels latent channels
 * @param sampleSize nominal image size (metadata)
 * @param scalingFactor latents are divided by this before decoding
 * @param forceUpcast run in float32 even when the pipeline is half precision
 */
public record AutoencoderKLTemporalDecoderConfig(int inChannels, int outChannels, List<String> downBlockTypes,
    int[] blockOutChannels, int layersPerBlock, int latentChannels, int sampleSize, double scalingFactor,
    boolean forceUpcast) {

  public AutoencoderKLTemporalDecoderConfig {
    downBlockTypes = List.copyOf(downBlockTypes);
    blockOutChannels = blockOutChannels.clone();
  }

  public static AutoencoderKLTemporalDecoderConfig read(Path configJson) {
    return parse(JsonConfig.read(configJson));
  }

  public static AutoencoderKLTemporalDecoderConfig parse(JsonConfig c) {
    List<String> downBlockTypes = c.getStringList("down_block_types", List.of("DownEncoderBlock2D"));
    int[] blockOutChannels = c.getIntArray("block_out_channels", new int[] {64});
    if (downBlockTypes.size() != blockOutChannels.length) {
      throw c.error("down_block_types", "has " + downBlockTypes.size() + " entries but block_out_channels has "
          + blockOutChannels.length);
    }
    for (int i = 0; i < downBlockTypes.size(); i++) {
      if (!downBlockTypes.get(i).equals("DownEncoderBlock2D")) {
        throw c.error("down_block_types[" + i + "]", "must be 'DownEncoderBlock2D' (the only encoder block "
            + "diffusers' Encoder builds), got '" + downBlockTypes.get(i) + "'");
      }
    }
    for (int i = 0; i < blockOutChannels.length; i++) {
      if (blockOutChannels[i] <= 0 || blockOutChannels[i] % 32 != 0) {
        throw c.error("block_out_channels[" + i + "]", "must be a positive multiple of 32 (the group norms use "
            + "32 groups), got " + blockOutChannels[i]);
      }
    }
    var cfg = new AutoencoderKLTemporalDecoderConfig(c.getInt("in_channels", 3), c.getInt("out_channels", 3),
        downBlockTypes, blockOutChannels, c.getInt("layers_per_block", 1), c.getInt("latent_channels", 4),
        c.getInt("sample_size", 32), c.getDouble("scaling_factor", 0.18215), c.getBool("force_upcast", true));
    if (cfg.layersPerBlock() < 1) {
      throw c.error("layers_per_block", "must be >= 1, got " + cfg.layersPerBlock());
    }
    c.logUnknown("AutoencoderKLTemporalDecoder");
    return cfg;
  }

  @Override
  public int[] blockOutChannels() {
    return blockOutChannels.clone();
  }

  /** 2^(number of blocks - 1): pixels per latent along each side. */
  public int vaeScaleFactor() {
    return 1 << (blockOutChannels.length - 1);
  }
}
