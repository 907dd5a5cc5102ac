package dev.vidgen.models.ltx;

import dev.vidgen.api.WeightsException;
import dev.vidgen.weights.KeyRenames;
import dev.vidgen.weights.RenamedWeights;
import dev.vidgen.weights.WeightSource;
import java.util.ArrayList;
import java.util.List;

/**
 * Port of diffusers v0.32.2 {@code loaders/single_file_utils.py} ({@code convert_ltx_transformer_checkpoint_to_diffusers},
 * {@code convert_ltx_vae_checkpoint_to_diffusers}, and the {@code "ltx-video"} entry of {@code CHECKPOINT_KEY_NAMES}):
 * the single-file checkpoints Lightricks publishes ({@code ltx-video-2b-v0.9.safetensors}, {@code
 * ltx-video-2b-v0.9.1.safetensors}) hold the transformer and the VAE in one file under the original LTX-Video key
 * names. Each component is a {@link RenamedWeights} view of the file: the same selection, ordered rename table and
 * dropped keys as diffusers, so {@link LTXVideoTransformer3DModel} and {@link AutoencoderKLLTXVideo} load from it
 * as from their diffusers folders, strictly.
 */
final class LTXSingleFileConversion {
  private LTXSingleFileConversion() {}

  /** {@code CHECKPOINT_KEY_NAMES["ltx-video"]}: a file holding any of these is an LTX-Video checkpoint. */
  static final List<String> CHECKPOINT_KEY_NAMES = List.of("model.diffusion_model.patchify_proj.weight",
      "model.diffusion_model.transformer_blocks.27.scale_shift_table", "patchify_proj.weight",
      "transformer_blocks.27.scale_shift_table", "vae.per_channel_statistics.mean-of-means");

  /** The key whose presence makes a checkpoint {@code ltx-video-0.9.1} (timestep-conditioned VAE). */
  static final String VAE_091_MARKER = "vae.decoder.last_time_embedder.timestep_embedder.linear_1.weight";

  /** {@code TRANSFORMER_KEYS_RENAME_DICT} of {@code convert_ltx_transformer_checkpoint_to_diffusers}. */
  static final KeyRenames TRANSFORMER_KEYS_RENAME_DICT = KeyRenames.of(
      "model.diffusion_model.", "",
      "patchify_proj", "proj_in",
      "adaln_single", "time_embed",
      "q_norm", "norm_q",
      "k_norm", "norm_k");

  /**
   * {@code VAE_KEYS_RENAME_DICT} of {@code convert_ltx_vae_checkpoint_to_diffusers}: the original VAE numbers its
   * blocks in one flat list per side; diffusers nests them (resnets, up/down-samplers and channel-changing blocks
   * inside numbered up/down blocks). Positions are those of the published 0.9.0 architecture.
   */
  static final KeyRenames VAE_KEYS_RENAME_DICT = KeyRenames.of(
      // common
      "vae.", "",
      // decoder
      "up_blocks.0", "mid_block",
      "up_blocks.1", "up_blocks.0",
      "up_blocks.2", "up_blocks.1.upsamplers.0",
      "up_blocks.3", "up_blocks.1",
      "up_blocks.4", "up_blocks.2.conv_in",
      "up_blocks.5", "up_blocks.2.upsamplers.0",
      "up_blocks.6", "up_blocks.2",
      "up_blocks.7", "up_blocks.3.conv_in",
      "up_blocks.8", "up_blocks.3.upsamplers.0",
      "up_blocks.9", "up_blocks.3",
      // encoder
      "down_blocks.0", "down_blocks.0",
      "down_blocks.1", "down_blocks.0.downsamplers.0",
      "down_blocks.2", "down_blocks.0.conv_out",
      "down_blocks.3", "down_blocks.1",
      "down_blocks.4", "down_blocks.1.downsamplers.0",
      "down_blocks.5", "down_blocks.1.conv_out",
      "down_blocks.6", "down_blocks.2",
      "down_blocks.7", "down_blocks.2.downsamplers.0",
      "down_blocks.8", "down_blocks.3",
      "down_blocks.9", "mid_block",
      // common
      "conv_shortcut", "conv_shortcut.conv",
      "res_blocks", "resnets",
      "norm3.norm", "norm3",
      "per_channel_statistics.mean-of-means", "latents_mean",
      "per_channel_statistics.std-of-means", "latents_std");

  /**
   * {@code VAE_091_RENAME_DICT}, merged into {@link #VAE_KEYS_RENAME_DICT} with {@code dict.update} (replaced entries
   * keep their place, new ones go last) when the file holds {@link #VAE_091_MARKER}.
   */
  static final KeyRenames VAE_091_RENAME_DICT = KeyRenames.of(
      // decoder
      "up_blocks.0", "mid_block",
      "up_blocks.1", "up_blocks.0.upsamplers.0",
      "up_blocks.2", "up_blocks.0",
      "up_blocks.3", "up_blocks.1.upsamplers.0",
      "up_blocks.4", "up_blocks.1",
      "up_blocks.5", "up_blocks.2.upsamplers.0",
      "up_blocks.6", "up_blocks.2",
      "up_blocks.7", "up_blocks.3.upsamplers.0",
      "up_blocks.8", "up_blocks.3",
      // common
      "last_time_embedder", "time_embedder",
      "last_scale_shift_table", "scale_shift_table");

  /** {@code VAE_SPECIAL_KEYS_REMAP}: renamed keys containing these are removed ({@code remove_keys_}). */
  static final List<String> VAE_SPECIAL_KEYS_REMOVED = List.of("per_channel_statistics.channel",
      "per_channel_statistics.mean-of-means", "per_channel_statistics.mean-of-stds", "timestep_scale_multiplier");

  /** Whether the file holds the 0.9.1 (timestep-conditioned) VAE. */
  static boolean isVersion091(WeightSource file) {
    return file.keys().contains(VAE_091_MARKER);
  }

  /**
   * Checks that the file is an LTX-Video checkpoint ({@code infer_diffusers_model_type}) and that every key goes to
   * the transformer ({@code "vae" not in key}) or to the VAE ({@code "vae." in key}): a key that is in neither
   * would be silently ignored by diffusers; here it is an error naming it.
   */
  static void checkLayout(WeightSource file) {
    if (CHECKPOINT_KEY_NAMES.stream().noneMatch(file.keys()::contains)) {
      throw new WeightsException(file.name() + " is not an LTX-Video single-file checkpoint: it holds none of "
          + CHECKPOINT_KEY_NAMES + " (diffusers' CHECKPOINT_KEY_NAMES[\"ltx-video\"])");
    }
    List<String> neither = new ArrayList<>();
    for (String k : file.keys()) {
      if (k.contains("vae") && !k.contains("vae.")) {
        neither.add(k);
      }
    }
    if (!neither.isEmpty()) {
      throw new WeightsException(file.name() + ": " + neither.size() + " tensor(s) belong neither to the transformer "
          + "(keys without 'vae') nor to the VAE (keys with 'vae.'): "
          + neither.subList(0, Math.min(20, neither.size())));
    }
  }

  /** {@code convert_ltx_transformer_checkpoint_to_diffusers}: the keys without {@code vae}, renamed. */
  static RenamedWeights transformer(WeightSource file) {
    return new RenamedWeights(file, "transformer", k -> !k.contains("vae"), TRANSFORMER_KEYS_RENAME_DICT, List.of());
  }

  /**
   * {@code convert_ltx_vae_checkpoint_to_diffusers}: the keys with {@code vae.}, renamed with the 0.9.0 table or,
   * when the file holds {@link #VAE_091_MARKER}, the 0.9.1 update of it; the statistics diffusers does not keep
   * and {@code timestep_scale_multiplier} are dropped.
   */
  static RenamedWeights vae(WeightSource file) {
    KeyRenames table = isVersion091(file) ? VAE_KEYS_RENAME_DICT.updatedWith(VAE_091_RENAME_DICT)
        : VAE_KEYS_RENAME_DICT;
    return new RenamedWeights(file, "vae", k -> k.contains("vae."), table, VAE_SPECIAL_KEYS_REMOVED);
  }
}
