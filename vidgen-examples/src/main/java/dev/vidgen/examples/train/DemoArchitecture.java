package dev.vidgen.examples.train;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import dev.vidgen.weights.JsonConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The demo model's architecture: the ModelScope text-to-video family ({@code TextToVideoSDPipeline} with {@code
 * CLIPTextModel}, {@code UNet3DConditionModel}, {@code AutoencoderKL} and {@code DDIMScheduler}) at a size that
 * trains on two CPU cores. Its {@code config.json} files are written as diffusers and transformers write them, and
 * are parsed back through vidgen's own config readers, so the trainer builds exactly the model that will be loaded.
 *
 * @param frames frames per training clip
 * @param size clip height and width in pixels
 * @param vaeChannels {@code vae block_out_channels} (its length sets the VAE's scale factor {@code 2^(n-1)})
 * @param vaeGroups {@code vae norm_num_groups}
 * @param unetChannels {@code unet block_out_channels}
 * @param unetDownTypes {@code unet down_block_types}
 * @param unetUpTypes {@code unet up_block_types}
 * @param unetGroups {@code unet norm_num_groups}
 * @param unetHeadArg {@code unet attention_head_dim} (diffusers' misnomer: blocks use {@code C / it} heads of this
 *     size, the input temporal transformer 8 heads of this size)
 * @param textHidden {@code text_encoder hidden_size} (= {@code unet cross_attention_dim})
 * @param textLayers {@code text_encoder num_hidden_layers}
 * @param textHeads {@code text_encoder num_attention_heads}
 */
public record DemoArchitecture(int frames, int size, List<Integer> vaeChannels, int vaeGroups,
    List<Integer> unetChannels, List<String> unetDownTypes, List<String> unetUpTypes, int unetGroups, int unetHeadArg,
    int textHidden, int textLayers, int textHeads) {

  public static final String DIFFUSERS_VERSION = "0.32.2";

  /** The shipped demo model. */
  public static DemoArchitecture demo() {
    return new DemoArchitecture(8, 32, List.of(16, 32, 32), 8, List.of(32, 64, 64),
        List.of("CrossAttnDownBlock3D", "CrossAttnDownBlock3D", "DownBlock3D"),
        List.of("UpBlock3D", "CrossAttnUpBlock3D", "CrossAttnUpBlock3D"), 8, 8, 64, 2, 4);
  }

  public int vaeScaleFactor() {
    return 1 << (vaeChannels.size() - 1);
  }

  public int latentSize() {
    return size / vaeScaleFactor();
  }

  /** {@code model_index.json}. */
  public JsonObject modelIndex() {
    JsonObject o = new JsonObject();
    o.addProperty("_class_name", "TextToVideoSDPipeline");
    o.addProperty("_diffusers_version", DIFFUSERS_VERSION);
    o.add("scheduler", pair("diffusers", "DDIMScheduler"));
    o.add("text_encoder", pair("transformers", "CLIPTextModel"));
    o.add("tokenizer", pair("transformers", "CLIPTokenizer"));
    o.add("unet", pair("diffusers", "UNet3DConditionModel"));
    o.add("vae", pair("diffusers", "AutoencoderKL"));
    return o;
  }

  /**
   * {@code scheduler/scheduler_config.json}: ModelScope's DDIM settings (scaled-linear betas 0.00085 to 0.012 over
   * 1000 steps, epsilon prediction); training uses the same betas for its noising.
   */
  public JsonObject schedulerConfig() {
    JsonObject o = new JsonObject();
    o.addProperty("_class_name", "DDIMScheduler");
    o.addProperty("_diffusers_version", DIFFUSERS_VERSION);
    o.addProperty("beta_end", 0.012);
    o.addProperty("beta_schedule", "scaled_linear");
    o.addProperty("beta_start", 0.00085);
    o.addProperty("clip_sample", false);
    o.addProperty("clip_sample_range", 1.0);
    o.addProperty("dynamic_thresholding_ratio", 0.995);
    o.addProperty("num_train_timesteps", 1000);
    o.addProperty("prediction_type", "epsilon");
    o.addProperty("rescale_betas_zero_snr", false);
    o.addProperty("sample_max_value", 1.0);
    o.addProperty("set_alpha_to_one", false);
    o.addProperty("steps_offset", 1);
    o.addProperty("thresholding", false);
    o.addProperty("timestep_spacing", "leading");
    o.add("trained_betas", JsonNull.INSTANCE);
    return o;
  }

  /** {@code text_encoder/config.json}, as transformers writes a {@code CLIPTextModel}'s. */
  public JsonObject textEncoderConfig(DemoTokenizer tokenizer) {
    JsonObject o = new JsonObject();
    JsonArray arch = new JsonArray();
    arch.add("CLIPTextModel");
    o.add("architectures", arch);
    o.addProperty("attention_dropout", 0.0);
    o.addProperty("bos_token_id", tokenizer.bosTokenId());
    o.addProperty("eos_token_id", tokenizer.eosTokenId());
    o.addProperty("hidden_act", "gelu");
    o.addProperty("hidden_size", textHidden);
    o.addProperty("initializer_factor", 1.0);
    o.addProperty("initializer_range", 0.02);
    o.addProperty("intermediate_size", 2 * textHidden);
    o.addProperty("layer_norm_eps", 1e-5);
    o.addProperty("max_position_embeddings", DemoTokenizer.MODEL_MAX_LENGTH);
    o.addProperty("model_type", "clip_text_model");
    o.addProperty("num_attention_heads", textHeads);
    o.addProperty("num_hidden_layers", textLayers);
    o.addProperty("pad_token_id", 0);
    o.addProperty("projection_dim", textHidden);
    o.addProperty("torch_dtype", "float32");
    o.addProperty("transformers_version", "4.44.0");
    o.addProperty("vocab_size", tokenizer.vocabSize());
    return o;
  }

  /** {@code unet/config.json}, as diffusers writes a {@code UNet3DConditionModel}'s. */
  public JsonObject unetConfig() {
    JsonObject o = new JsonObject();
    o.addProperty("_class_name", "UNet3DConditionModel");
    o.addProperty("_diffusers_version", DIFFUSERS_VERSION);
    o.addProperty("act_fn", "silu");
    o.addProperty("attention_head_dim", unetHeadArg);
    o.add("block_out_channels", ints(unetChannels));
    o.addProperty("cross_attention_dim", textHidden);
    o.add("down_block_types", strings(unetDownTypes));
    o.addProperty("downsample_padding", 1);
    o.addProperty("in_channels", 4);
    o.addProperty("layers_per_block", 1);
    o.addProperty("mid_block_scale_factor", 1);
    o.addProperty("norm_eps", 1e-5);
    o.addProperty("norm_num_groups", unetGroups);
    o.add("num_attention_heads", JsonNull.INSTANCE);
    o.addProperty("out_channels", 4);
    o.addProperty("sample_size", latentSize());
    o.add("time_cond_proj_dim", JsonNull.INSTANCE);
    o.add("up_block_types", strings(unetUpTypes));
    return o;
  }

  /** {@code vae/config.json}, as diffusers writes an {@code AutoencoderKL}'s. */
  public JsonObject vaeConfig(double scalingFactor) {
    JsonObject o = new JsonObject();
    o.addProperty("_class_name", "AutoencoderKL");
    o.addProperty("_diffusers_version", DIFFUSERS_VERSION);
    o.addProperty("act_fn", "silu");
    o.add("block_out_channels", ints(vaeChannels));
    JsonArray down = new JsonArray();
    JsonArray up = new JsonArray();
    for (int i = 0; i < vaeChannels.size(); i++) {
      down.add("DownEncoderBlock2D");
      up.add("UpDecoderBlock2D");
    }
    o.add("down_block_types", down);
    o.addProperty("force_upcast", true);
    o.addProperty("in_channels", 3);
    o.addProperty("latent_channels", 4);
    o.add("latents_mean", JsonNull.INSTANCE);
    o.add("latents_std", JsonNull.INSTANCE);
    o.addProperty("layers_per_block", 1);
    o.addProperty("mid_block_add_attention", true);
    o.addProperty("norm_num_groups", vaeGroups);
    o.addProperty("out_channels", 3);
    o.addProperty("sample_size", size);
    o.addProperty("scaling_factor", scalingFactor);
    o.add("shift_factor", JsonNull.INSTANCE);
    o.add("up_block_types", up);
    o.addProperty("use_post_quant_conv", true);
    o.addProperty("use_quant_conv", true);
    return o;
  }

  /** A config object as {@link JsonConfig}, for vidgen's parsers. */
  public static JsonConfig asConfig(String file, JsonObject o) {
    return JsonConfig.parse(file, o.toString());
  }

  /** Writes a JSON file the way diffusers does (indented, trailing newline). */
  public static void writeJson(Path file, JsonObject o) throws IOException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    String text = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().serializeNulls().create().toJson(o);
    Files.writeString(file, text + "\n", StandardCharsets.UTF_8);
  }

  private static JsonArray pair(String library, String cls) {
    JsonArray a = new JsonArray();
    a.add(library);
    a.add(cls);
    return a;
  }

  private static JsonArray ints(List<Integer> values) {
    JsonArray a = new JsonArray();
    values.forEach(a::add);
    return a;
  }

  private static JsonArray strings(List<String> values) {
    JsonArray a = new JsonArray();
    values.forEach(a::add);
    return a;
  }
}
