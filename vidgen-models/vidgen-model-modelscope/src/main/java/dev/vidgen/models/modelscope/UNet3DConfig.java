package dev.vidgen.models.modelscope;

import dev.vidgen.api.ConfigException;
import dev.vidgen.weights.ConfigEnum;
import dev.vidgen.weights.JsonConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Port of diffusers v0.32.2 {@code models/unets/unet_3d_condition.py} ({@code UNet3DConditionModel.__init__}
 * arguments): the {@code unet/config.json} schema, with diffusers' defaults for absent fields. Field names are the camelCase of the JSON
 * keys, misnomers included: {@code attentionHeadDim} is used by diffusers as the per-block <em>number of heads
 * argument</em> ({@code num_attention_heads = num_attention_heads or attention_head_dim}), which the blocks then
 * pass on as the head <em>dimension</em> of {@code C // attention_head_dim} heads; see {@link #headDim()}.
 *
 * @param sampleSize {@code sample_size}: latent height/width the model was trained at (metadata; may be null)
 * @param inChannels {@code in_channels}
 * @param outChannels {@code out_channels}
 * @param downBlockTypes {@code down_block_types}
 * @param upBlockTypes {@code up_block_types}
 * @param blockOutChannels {@code block_out_channels}
 * @param layersPerBlock {@code layers_per_block}
 * @param downsamplePadding {@code downsample_padding}
 * @param midBlockScaleFactor {@code mid_block_scale_factor}: the mid block resnets' {@code output_scale_factor}
 * @param actFn {@code act_fn} of the resnets and the time embedding
 * @param normNumGroups {@code norm_num_groups}
 * @param normEps {@code norm_eps}
 * @param crossAttentionDim {@code cross_attention_dim}
 * @param attentionHeadDim {@code attention_head_dim} (see above)
 * @param timeCondProjDim {@code time_cond_proj_dim}, or null
 */
public record UNet3DConfig(Integer sampleSize, int inChannels, int outChannels, List<DownBlockType> downBlockTypes,
    List<UpBlockType> upBlockTypes, List<Integer> blockOutChannels, int layersPerBlock, int downsamplePadding,
    double midBlockScaleFactor, ActFn actFn, int normNumGroups, double normEps, int crossAttentionDim,
    int attentionHeadDim, Integer timeCondProjDim) {

  /** {@code down_block_types} entries that {@code UNet3DConditionModel} accepts. */
  public enum DownBlockType implements ConfigEnum {
    CROSS_ATTN_DOWN_BLOCK_3D("CrossAttnDownBlock3D"),
    DOWN_BLOCK_3D("DownBlock3D");

    private final String json;

    DownBlockType(String json) {
      this.json = json;
    }

    @Override
    public String jsonName() {
      return json;
    }
  }

  /** {@code up_block_types} entries that {@code UNet3DConditionModel} accepts. */
  public enum UpBlockType implements ConfigEnum {
    UP_BLOCK_3D("UpBlock3D"),
    CROSS_ATTN_UP_BLOCK_3D("CrossAttnUpBlock3D");

    private final String json;

    UpBlockType(String json) {
      this.json = json;
    }

    @Override
    public String jsonName() {
      return json;
    }
  }

  /** {@code act_fn}: diffusers' {@code get_activation} names that mean SiLU (the only one the ported blocks use). */
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

  /** diffusers' defaults: the ModelScope text-to-video-ms-1.7b architecture. */
  public static final List<DownBlockType> DEFAULT_DOWN_BLOCK_TYPES = List.of(DownBlockType.CROSS_ATTN_DOWN_BLOCK_3D,
      DownBlockType.CROSS_ATTN_DOWN_BLOCK_3D, DownBlockType.CROSS_ATTN_DOWN_BLOCK_3D, DownBlockType.DOWN_BLOCK_3D);
  public static final List<UpBlockType> DEFAULT_UP_BLOCK_TYPES = List.of(UpBlockType.UP_BLOCK_3D,
      UpBlockType.CROSS_ATTN_UP_BLOCK_3D, UpBlockType.CROSS_ATTN_UP_BLOCK_3D, UpBlockType.CROSS_ATTN_UP_BLOCK_3D);
  public static final List<Integer> DEFAULT_BLOCK_OUT_CHANNELS = List.of(320, 640, 1280, 1280);

  public UNet3DConfig {
    downBlockTypes = List.copyOf(downBlockTypes);
    upBlockTypes = List.copyOf(upBlockTypes);
    blockOutChannels = List.copyOf(blockOutChannels);
    String problem = problem(inChannels, outChannels, downBlockTypes, upBlockTypes, blockOutChannels, layersPerBlock,
        downsamplePadding, normNumGroups, normEps, crossAttentionDim, attentionHeadDim, timeCondProjDim);
    if (problem != null) {
      throw new ConfigException("UNet3DConfig: " + problem);
    }
  }

  /** Reads {@code <unetDir>/config.json}. */
  public static UNet3DConfig read(Path configJson) {
    return parse(JsonConfig.read(configJson));
  }

  /** Parses a {@code UNet3DConditionModel} config; errors name the file and the field. */
  public static UNet3DConfig parse(JsonConfig c) {
    Integer sampleSize = optionalInt(c, "sample_size");
    int inChannels = c.getInt("in_channels", 4);
    int outChannels = c.getInt("out_channels", 4);
    List<DownBlockType> down = enums(c, "down_block_types", DownBlockType.class, DEFAULT_DOWN_BLOCK_TYPES);
    List<UpBlockType> up = enums(c, "up_block_types", UpBlockType.class, DEFAULT_UP_BLOCK_TYPES);
    int[] boc = c.getIntArray("block_out_channels", null);
    List<Integer> blockOutChannels = new ArrayList<>();
    if (boc == null) {
      blockOutChannels.addAll(DEFAULT_BLOCK_OUT_CHANNELS);
    } else {
      for (int v : boc) {
        blockOutChannels.add(v);
      }
    }
    int layersPerBlock = c.getInt("layers_per_block", 2);
    int downsamplePadding = c.getInt("downsample_padding", 1);
    double midBlockScaleFactor = c.getDouble("mid_block_scale_factor", 1.0);
    ActFn actFn = c.getEnum("act_fn", ActFn.class, ActFn.SILU);
    if (c.json().has("norm_num_groups") && c.json().get("norm_num_groups").isJsonNull()) {
      // diffusers accepts None here only to skip conv_norm_out; its resnets and transformers cannot be built then.
      throw c.error("norm_num_groups", "is null, but UNet3DConditionModel's resnet blocks and transformers need "
          + "a group count (diffusers fails to build this model too)");
    }
    int normNumGroups = c.getInt("norm_num_groups", 32);
    double normEps = c.getDouble("norm_eps", 1e-5);
    int crossAttentionDim = c.getInt("cross_attention_dim", 1024);
    if (c.has("attention_head_dim") && c.json().get("attention_head_dim").isJsonArray()) {
      throw c.error("attention_head_dim", "is a list " + c.json().get("attention_head_dim") + "; "
          + "UNet3DConditionModel needs one integer, since transformer_in builds 8 heads of attention_head_dim "
          + "channels (diffusers fails to build this model too)");
    }
    int attentionHeadDim = c.getInt("attention_head_dim", 64);
    c.markKnown("num_attention_heads");
    if (c.has("num_attention_heads")) {
      // diffusers v0.32.2 raises NotImplementedError: the per-block head count is taken from attention_head_dim.
      throw c.error("num_attention_heads", "must be null or absent: UNet3DConditionModel (diffusers v0.32.2) does "
          + "not support it because of the attention_head_dim naming issue (diffusers issue #2011); set "
          + "attention_head_dim instead, got " + c.json().get("num_attention_heads"));
    }
    Integer timeCondProjDim = optionalInt(c, "time_cond_proj_dim");
    String problem = problem(inChannels, outChannels, down, up, blockOutChannels, layersPerBlock, downsamplePadding,
        normNumGroups, normEps, crossAttentionDim, attentionHeadDim, timeCondProjDim);
    if (problem != null) {
      throw new ConfigException(c.file() + ": " + problem);
    }
    c.logUnknown("UNet3DConditionModel");
    return new UNet3DConfig(sampleSize, inChannels, outChannels, down, up, blockOutChannels, layersPerBlock,
        downsamplePadding, midBlockScaleFactor, actFn, normNumGroups, normEps, crossAttentionDim, attentionHeadDim,
        timeCondProjDim);
  }

  private static Integer optionalInt(JsonConfig c, String key) {
    if (!c.has(key)) {
      c.markKnown(key);
      return null;
    }
    return c.getInt(key, 0);
  }

  private static <E extends Enum<E> & ConfigEnum> List<E> enums(JsonConfig c, String key, Class<E> type,
      List<E> def) {
    List<String> names = c.getStringList(key, null);
    if (names == null) {
      return def;
    }
    List<E> out = new ArrayList<>();
    for (int i = 0; i < names.size(); i++) {
      E found = null;
      for (E v : type.getEnumConstants()) {
        if (v.jsonName().equals(names.get(i))) {
          found = v;
        }
      }
      if (found == null) {
        List<String> allowed = new ArrayList<>();
        for (E v : type.getEnumConstants()) {
          allowed.add(v.jsonName());
        }
        throw c.error(key + "[" + i + "]", "must be one of " + allowed + " for UNet3DConditionModel, got '"
            + names.get(i) + "'");
      }
      out.add(found);
    }
    return out;
  }

  /** The first inconsistency, as "field: what is wrong", or null. The same checks as diffusers, and a few more. */
  private static String problem(int inChannels, int outChannels, List<DownBlockType> down, List<UpBlockType> up,
      List<Integer> blockOutChannels, int layersPerBlock, int downsamplePadding, int normNumGroups, double normEps,
      int crossAttentionDim, int attentionHeadDim, Integer timeCondProjDim) {
    if (inChannels < 1) {
      return "in_channels must be >= 1, got " + inChannels;
    }
    if (outChannels < 1) {
      return "out_channels must be >= 1, got " + outChannels;
    }
    if (down.isEmpty()) {
      return "down_block_types must not be empty";
    }
    if (down.size() != up.size()) {
      return "down_block_types has " + down.size() + " entries but up_block_types has " + up.size()
          + " (they must have the same number of entries)";
    }
    if (blockOutChannels.size() != down.size()) {
      return "down_block_types has " + down.size() + " entries but block_out_channels has "
          + blockOutChannels.size() + " (they must have the same number of entries)";
    }
    if (layersPerBlock < 0) {
      return "layers_per_block must be >= 0, got " + layersPerBlock;
    }
    if (downsamplePadding < 0) {
      return "downsample_padding must be >= 0, got " + downsamplePadding;
    }
    if (normNumGroups < 1) {
      return "norm_num_groups must be >= 1, got " + normNumGroups;
    }
    if (!(normEps > 0)) {
      return "norm_eps must be > 0, got " + normEps;
    }
    if (crossAttentionDim < 1) {
      return "cross_attention_dim must be >= 1, got " + crossAttentionDim;
    }
    if (attentionHeadDim < 1) {
      return "attention_head_dim must be >= 1, got " + attentionHeadDim;
    }
    if (timeCondProjDim != null && timeCondProjDim < 1) {
      return "time_cond_proj_dim must be null or >= 1, got " + timeCondProjDim;
    }
    for (int i = 0; i < blockOutChannels.size(); i++) {
      int ch = blockOutChannels.get(i);
      if (ch < 1) {
        return "block_out_channels[" + i + "] must be >= 1, got " + ch;
      }
      if (ch % normNumGroups != 0) {
        return "norm_num_groups " + normNumGroups + " must divide block_out_channels[" + i + "]=" + ch
            + " (every GroupNorm of the block splits its channels into norm_num_groups groups)";
      }
      boolean hasAttention = down.get(i) == DownBlockType.CROSS_ATTN_DOWN_BLOCK_3D
          || up.get(blockOutChannels.size() - 1 - i) == UpBlockType.CROSS_ATTN_UP_BLOCK_3D
          || i == blockOutChannels.size() - 1; // the mid block always has attention at the last width
      if (hasAttention && ch < attentionHeadDim) {
        return "attention_head_dim " + attentionHeadDim + " exceeds block_out_channels[" + i + "]=" + ch
            + ": the block's transformers would have block_out_channels // attention_head_dim = 0 heads";
      }
    }
    return null;
  }

  /** The head dimension of every spatial and temporal transformer in the blocks ({@code attention_head_dim}). */
  public int headDim() {
    return attentionHeadDim;
  }

  /** Heads of the block transformers at a width: {@code channels // attention_head_dim}, as diffusers computes it. */
  public int headsAt(int channels) {
    return channels / attentionHeadDim;
  }

  /** {@code block_out_channels[0] * 4}, the width of the time embedding. */
  public int timeEmbedDim() {
    return blockOutChannels.get(0) * 4;
  }

  /** Number of up-sampling layers: one per up block except the last. */
  public int numUpsamplers() {
    return upBlockTypes.size() - 1;
  }
}
