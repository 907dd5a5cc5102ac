package dev.vidgen.text;

import dev.vidgen.api.ConfigException;
import dev.vidgen.weights.JsonConfig;

/**
 * The encoder-relevant fields of transformers v4.44 {@code T5Config} ({@code text_encoder/config.json}), with its
 * {@code __init__} defaults. {@code feed_forward_proj} is parsed as transformers does: {@code "gated-gelu"} means
 * a gated feed-forward with {@code gelu_new} (tanh GELU), {@code "relu"} a plain one, {@code "gated-X"} gated X.
 *
 * @param vocabSize rows of {@code shared.weight}
 * @param dModel hidden size
 * @param dKv channels per head
 * @param dFf feed-forward hidden size
 * @param numLayers encoder blocks
 * @param numHeads attention heads
 * @param relativeAttentionNumBuckets buckets of the relative position bias
 * @param relativeAttentionMaxDistance distance beyond which positions share the last bucket
 * @param layerNormEpsilon epsilon of the RMS layer norms
 * @param denseActFn feed-forward activation
 * @param isGatedAct gated feed-forward ({@code wi_0}, {@code wi_1}) instead of {@code wi}
 */
public record T5Config(int vocabSize, int dModel, int dKv, int dFf, int numLayers, int numHeads,
    int relativeAttentionNumBuckets, int relativeAttentionMaxDistance, double layerNormEpsilon, Activation denseActFn,
    boolean isGatedAct) {

  /** transformers' {@code ACT2FN} names used by T5 checkpoints. */
  public enum Activation {
    RELU, GELU, GELU_NEW, SILU;

    static Activation parse(JsonConfig c, String name) {
      return switch (name) {
        case "relu" -> RELU;
        case "gelu" -> GELU;
        case "gelu_new", "gelu_pytorch_tanh" -> GELU_NEW;
        case "silu", "swish" -> SILU;
        default -> throw c.error("feed_forward_proj", "uses activation '" + name
            + "', expected one of relu, gelu, gelu_new, silu");
      };
    }
  }

  public T5Config {
    if (dModel <= 0 || dKv <= 0 || dFf <= 0 || numHeads <= 0 || numLayers <= 0 || vocabSize <= 0) {
      throw new ConfigException("T5 config: sizes must be positive (d_model=" + dModel + ", d_kv=" + dKv + ", d_ff="
          + dFf + ", num_heads=" + numHeads + ", num_layers=" + numLayers + ", vocab_size=" + vocabSize + ")");
    }
  }

  /** {@code num_heads * d_kv}. */
  public int innerDim() {
    return numHeads * dKv;
  }

  public static T5Config parse(JsonConfig c) {
    String proj = c.getString("feed_forward_proj", "relu");
    String[] actInfo = proj.split("-");
    boolean gated = actInfo[0].equals("gated");
    if ((actInfo.length > 1 && !gated) || actInfo.length > 2) {
      throw c.error("feed_forward_proj", "'" + proj + "' is not a valid activation; use 'gated-{ACT_FN}' or "
          + "'{ACT_FN}', e.g. 'gated-gelu' or 'relu'");
    }
    String actName = proj.equals("gated-gelu") ? "gelu_new" : actInfo[actInfo.length - 1];
    c.markKnown("architectures", "classifier_dropout", "decoder_start_token_id", "dropout_rate", "eos_token_id",
        "initializer_factor", "is_encoder_decoder", "model_type", "num_decoder_layers", "pad_token_id", "torch_dtype",
        "transformers_version", "use_cache", "output_past", "tie_word_embeddings", "dense_act_fn", "is_gated_act",
        "n_positions", "task_specific_params", "gradient_checkpointing");
    T5Config cfg = new T5Config(c.getInt("vocab_size", 32128), c.getInt("d_model", 512), c.getInt("d_kv", 64),
        c.getInt("d_ff", 2048), c.getInt("num_layers", 6), c.getInt("num_heads", 8),
        c.getInt("relative_attention_num_buckets", 32), c.getInt("relative_attention_max_distance", 128),
        c.getDouble("layer_norm_epsilon", 1e-6), Activation.parse(c, actName), gated);
    c.logUnknown("T5EncoderModel");
    return cfg;
  }
}
