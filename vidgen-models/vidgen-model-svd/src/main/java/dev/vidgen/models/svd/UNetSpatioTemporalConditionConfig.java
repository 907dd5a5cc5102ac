package dev.vidgen.models.svd;

import com.google.gson.JsonElement;
import dev.vidgen.weights.ConfigEnum;
import dev.vidgen.weights.JsonConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The {@code unet/config.json} of diffusers v0.32.2 {@code UNetSpatioTemporalConditionModel}, with its {@code
 * __init__} defaults for absent fields. Per-block fields that diffusers accepts as one int or a list are expanded
 * to one entry per down block.
 *
 * @param sampleSize nominal latent size, or null (only a default for the pipeline's height/width)
 * @param inChannels input channels (noisy latents + image latents)
 * @param outChannels output channels
 * @param downBlockTypes the down blocks
 * @param upBlockTypes the up blocks
 * @param blockOutChannels channels of each down block
 * @param additionTimeEmbedDim sinusoidal width of each added time id (fps, motion bucket, noise augmentation)
 * @param projectionClassEmbeddingsInputDim input width of {@code add_embedding} (= ids × additionTimeEmbedDim)
 * @param layersPerBlock resnets per down block (up blocks have one more)
 * @param crossAttentionDim width of the image embedding per block
 * @param transformerLayersPerBlock transformer layers per attention, per block
 * @param numAttentionHeads heads per block (the real head count: the head dim is channels / heads)
 * @param numFrames default number of frames
 */
public record UNetSpatioTemporalConditionConfig(Integer sampleSize, int inChannels, int outChannels,
    List<DownBlockType> downBlockTypes, List<UpBlockType> upBlockTypes, int[] blockOutChannels,
    int additionTimeEmbedDim, int projectionClassEmbeddingsInputDim, int[] layersPerBlock, int[] crossAttentionDim,
    int[] transformerLayersPerBlock, int[] numAttentionHeads, int numFrames) {

  /** {@code down_block_types} entries. */
  public enum DownBlockType implements ConfigEnum {
    CROSS_ATTN_DOWN_BLOCK_SPATIO_TEMPORAL("CrossAttnDownBlockSpatioTemporal"),
    DOWN_BLOCK_SPATIO_TEMPORAL("DownBlockSpatioTemporal");

    private final String json;

    DownBlockType(String json) {
      this.json = json;
    }

    @Override
    public String jsonName() {
      return json;
    }
  }

  /** {@code up_block_types} entries. */
  public enum UpBlockType implements ConfigEnum {
    CROSS_ATTN_UP_BLOCK_SPATIO_TEMPORAL("CrossAttnUpBlockSpatioTemporal"),
    UP_BLOCK_SPATIO_TEMPORAL("UpBlockSpatioTemporal");

    private final String json;

    UpBlockType(String json) {
      this.json = json;
    }

    @Override
    public String jsonName() {
      return json;
    }
  }

  public UNetSpatioTemporalConditionConfig {
    downBlockTypes = List.copyOf(downBlockTypes);
    upBlockTypes = List.copyOf(upBlockTypes);
    blockOutChannels = blockOutChannels.clone();
    layersPerBlock = layersPerBlock.clone();
    crossAttentionDim = crossAttentionDim.clone();
    transformerLayersPerBlock = transformerLayersPerBlock.clone();
    numAttentionHeads = numAttentionHeads.clone();
  }

  public static UNetSpatioTemporalConditionConfig read(Path configJson) {
    return parse(JsonConfig.read(configJson));
  }

  public static UNetSpatioTemporalConditionConfig parse(JsonConfig c) {
    List<DownBlockType> down = enumList(c, "down_block_types", DownBlockType.class,
        List.of("CrossAttnDownBlockSpatioTemporal", "CrossAttnDownBlockSpatioTemporal",
            "CrossAttnDownBlockSpatioTemporal", "DownBlockSpatioTemporal"));
    List<UpBlockType> up = enumList(c, "up_block_types", UpBlockType.class,
        List.of("UpBlockSpatioTemporal", "CrossAttnUpBlockSpatioTemporal", "CrossAttnUpBlockSpatioTemporal",
            "CrossAttnUpBlockSpatioTemporal"));
    int n = down.size();
    if (up.size() != n) {
      throw c.error("up_block_types", "has " + up.size() + " entries but down_block_types has " + n
          + " (diffusers: Must provide the same number of `down_block_types` as `up_block_types`)");
    }
    int[] blockOutChannels = c.getIntArray("block_out_channels", new int[] {320, 640, 1280, 1280});
    if (blockOutChannels.length != n) {
      throw c.error("block_out_channels", "has " + blockOutChannels.length + " entries but down_block_types has "
          + n);
    }
    int[] numAttentionHeads = c.getIntOrList("num_attention_heads", 0, n, "down_block_types");
    if (!c.has("num_attention_heads")) {
      numAttentionHeads = new int[] {5, 10, 20, 20};
      if (n != 4) {
        throw c.error("num_attention_heads", "is absent, and its default (5, 10, 20, 20) has 4 entries but "
            + "down_block_types has " + n);
      }
    }
    int[] layersPerBlock = c.getIntOrList("layers_per_block", 2, n, "down_block_types");
    int[] crossAttentionDim = c.getIntOrList("cross_attention_dim", 1024, n, "down_block_types");
    if (c.has("transformer_layers_per_block") && c.json().get("transformer_layers_per_block").isJsonArray()) {
      for (JsonElement e : c.json().getAsJsonArray("transformer_layers_per_block")) {
        if (e.isJsonArray()) {
          throw c.error("transformer_layers_per_block", "as a list of per-layer lists is not supported; give one "
              + "int, or one int per down block");
        }
      }
    }
    int[] transformerLayersPerBlock = c.getIntOrList("transformer_layers_per_block", 1, n, "down_block_types");
    Integer sampleSize = null;
    if (c.has("sample_size") && c.json().get("sample_size").isJsonPrimitive()) {
      sampleSize = c.getInt("sample_size", 0);
    } else {
      c.markKnown("sample_size");
    }
    for (int i = 0; i < n; i++) {
      if (blockOutChannels[i] <= 0 || blockOutChannels[i] % 32 != 0) {
        throw c.error("block_out_channels[" + i + "]", "must be a positive multiple of 32 (the group norms use "
            + "32 groups), got " + blockOutChannels[i]);
      }
      if (numAttentionHeads[i] <= 0 || blockOutChannels[i] % numAttentionHeads[i] != 0) {
        throw c.error("num_attention_heads[" + i + "]", "must divide block_out_channels[" + i + "]="
            + blockOutChannels[i] + ", got " + numAttentionHeads[i]);
      }
      if (layersPerBlock[i] < 1) {
        throw c.error("layers_per_block[" + i + "]", "must be >= 1, got " + layersPerBlock[i]);
      }
    }
    var cfg = new UNetSpatioTemporalConditionConfig(sampleSize, c.getInt("in_channels", 8),
        c.getInt("out_channels", 4), down, up, blockOutChannels, c.getInt("addition_time_embed_dim", 256),
        c.getInt("projection_class_embeddings_input_dim", 768), layersPerBlock, crossAttentionDim,
        transformerLayersPerBlock, numAttentionHeads, c.getInt("num_frames", 25));
    c.logUnknown("UNetSpatioTemporalConditionModel");
    return cfg;
  }

  private static <E extends Enum<E> & ConfigEnum> List<E> enumList(JsonConfig c, String key, Class<E> type,
      List<String> def) {
    List<String> names = c.getStringList(key, def);
    List<E> out = new ArrayList<>();
    for (int i = 0; i < names.size(); i++) {
      String s = names.get(i);
      E found = null;
      for (E v : type.getEnumConstants()) {
        if (v.jsonName().equals(s)) {
          found = v;
        }
      }
      if (found == null) {
        List<String> allowed = Arrays.stream(type.getEnumConstants()).map(ConfigEnum::jsonName).toList();
        throw c.error(key + "[" + i + "]", "must be one of " + allowed + ", got '" + s + "'");
      }
      out.add(found);
    }
    return out;
  }

  @Override
  public int[] blockOutChannels() {
    return blockOutChannels.clone();
  }

  @Override
  public int[] layersPerBlock() {
    return layersPerBlock.clone();
  }

  @Override
  public int[] crossAttentionDim() {
    return crossAttentionDim.clone();
  }

  @Override
  public int[] transformerLayersPerBlock() {
    return transformerLayersPerBlock.clone();
  }

  @Override
  public int[] numAttentionHeads() {
    return numAttentionHeads.clone();
  }

  /** {@code block_out_channels[0] * 4}: the width of the time embedding every resnet receives. */
  public int timeEmbedDim() {
    return blockOutChannels[0] * 4;
  }
}
