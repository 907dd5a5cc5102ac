package dev.vidgen.text;

import dev.vidgen.api.ConfigException;
import dev.vidgen.weights.JsonConfig;
import java.nio.file.Path;

/**
 * Port of transformers v4.44 {@code models/clip/configuration_clip.py} ({@code CLIPTextConfig}): the fields of a
 * {@code text_encoder/config.json} that shape the weights or the arithmetic, with transformers' defaults for absent
 * ones.
 *
 * @param vocabSize rows of the token embedding
 * @param hiddenSize width of the encoder
 * @param intermediateSize hidden width of each MLP
 * @param projectionDim width of {@code text_projection} (used only by {@code CLIPTextModelWithProjection})
 * @param numHiddenLayers encoder layers
 * @param numAttentionHeads heads per attention; must divide {@code hiddenSize}
 * @param maxPositionEmbeddings rows of the position embedding: the longest input
 * @param hiddenAct MLP activation
 * @param layerNormEps epsilon of every layer norm
 * @param padTokenId {@code pad_token_id} (informational)
 * @param bosTokenId {@code bos_token_id} (informational)
 * @param eosTokenId {@code eos_token_id} (selects the pooled token; not used for {@code last_hidden_state})
 */
public record CLIPTextConfig(int vocabSize, int hiddenSize, int intermediateSize, int projectionDim,
    int numHiddenLayers, int numAttentionHeads, int maxPositionEmbeddings, HiddenAct hiddenAct, double layerNormEps,
    int padTokenId, int bosTokenId, int eosTokenId) {

  public CLIPTextConfig {
    check(vocabSize > 0, "vocab_size must be positive, got " + vocabSize);
    check(hiddenSize > 0 && intermediateSize > 0, "hidden_size and intermediate_size must be positive, got "
        + hiddenSize + " and " + intermediateSize);
    check(numHiddenLayers >= 0, "num_hidden_layers must not be negative, got " + numHiddenLayers);
    check(numAttentionHeads > 0 && hiddenSize % numAttentionHeads == 0, "num_attention_heads (" + numAttentionHeads
        + ") must divide hidden_size (" + hiddenSize + ")");
    check(maxPositionEmbeddings > 0, "max_position_embeddings must be positive, got " + maxPositionEmbeddings);
    check(hiddenAct != null, "hidden_act is required");
  }

  private static void check(boolean ok, String message) {
    if (!ok) {
      throw new ConfigException("CLIPTextConfig: " + message);
    }
  }

  /** Reads {@code text_encoder/config.json}. */
  public static CLIPTextConfig read(Path configFile) {
    return parse(JsonConfig.read(configFile));
  }

  /** Parses a config with transformers v4.44 {@code CLIPTextConfig.__init__} defaults. */
  public static CLIPTextConfig parse(JsonConfig c) {
    CLIPTextConfig cfg;
    try {
      cfg = new CLIPTextConfig(
          c.getInt("vocab_size", 49408),
          c.getInt("hidden_size", 512),
          c.getInt("intermediate_size", 2048),
          c.getInt("projection_dim", 512),
          c.getInt("num_hidden_layers", 12),
          c.getInt("num_attention_heads", 8),
          c.getInt("max_position_embeddings", 77),
          c.getEnum("hidden_act", HiddenAct.class, HiddenAct.QUICK_GELU),
          c.getDouble("layer_norm_eps", 1e-5),
          c.getInt("pad_token_id", 1),
          c.getInt("bos_token_id", 49406),
          c.getInt("eos_token_id", 49407));
    } catch (ConfigException e) {
      if (e.getMessage().startsWith("CLIPTextConfig: ")) {
        throw new ConfigException(c.file() + ": " + e.getMessage().substring("CLIPTextConfig: ".length()), e);
      }
      throw e;
    }
    // training-only or bookkeeping fields
    c.markKnown("architectures", "attention_dropout", "dropout", "initializer_range", "initializer_factor",
        "model_type", "torch_dtype", "transformers_version");
    c.logUnknown("CLIPTextModel");
    return cfg;
  }

  /** Channels per attention head. */
  public int headDim() {
    return hiddenSize / numAttentionHeads;
  }
}
