package dev.vidgen.text;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Activation;
import dev.vidgen.nn.Linear;
import dev.vidgen.nn.Ops;
import dev.vidgen.nn.Scopes;
import dev.vidgen.weights.ComponentWeights;
import dev.vidgen.weights.JsonConfig;
import dev.vidgen.weights.WeightLoader;
import dev.vidgen.weights.WeightSource;
import dev.vidgen.weights.Weights;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Port of transformers v4.44 {@code models/t5/modeling_t5.py} ({@code T5EncoderModel}: {@code shared} embedding,
 * {@code T5Stack} encoder of {@code T5Block}s, {@code final_layer_norm}). Each block is a self-attention layer
 * ({@code T5LayerSelfAttention}: RMS {@code T5LayerNorm}, unscaled attention with the bidirectional relative
 * position bias of block 0 shared by all blocks, residual) and a feed-forward layer ({@code T5LayerFF}: RMS norm,
 * {@code T5DenseGatedActDense} or {@code T5DenseActDense}, residual).
 *
 * <p>Weights: {@code shared.weight}, {@code encoder.block.{i}.layer.0.SelfAttention.{q,k,v,o}.weight}, {@code
 * encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight}, {@code
 * encoder.block.{i}.layer.{0,1}.layer_norm.weight}, {@code encoder.block.{i}.layer.1.DenseReluDense.{wi_0,wi_1,wo}
 * .weight}, {@code encoder.final_layer_norm.weight}. {@code encoder.embed_tokens.weight} is tied to {@code
 * shared.weight}; transformers does not store it, and accepts (ignores) it when a file has it.
 */
public final class T5EncoderModel implements dev.vidgen.spi.TextEncoder {
  /** Keys a stored T5 encoder may hold that this model knowingly does not read. */
  public static final List<String> IGNORED_KEYS = List.of("encoder\\.embed_tokens\\.weight", "decoder\\..*");

  private final T5Config config;
  private final NDArray shared;
  private final NDArray relativeAttentionBias;
  private final List<T5Block> blocks;
  private final NDArray finalLayerNorm;

  /** Builds the encoder from its weights; no arithmetic. */
  public T5EncoderModel(T5Config config, Weights w) {
    this.config = config;
    Weights ww = w.because("d_model=" + config.dModel() + ", num_heads=" + config.numHeads() + ", d_kv="
        + config.dKv() + ", d_ff=" + config.dFf() + " in text_encoder/config.json");
    String embedKey = ww.has("shared.weight") || !ww.has("encoder.embed_tokens.weight") ? "shared.weight"
        : "encoder.embed_tokens.weight";
    this.shared = ww.get(embedKey, config.vocabSize(), config.dModel());
    Weights enc = ww.at("encoder");
    List<T5Block> list = new ArrayList<>();
    NDArray bias = null;
    for (int i = 0; i < config.numLayers(); i++) {
      Weights b = enc.at("block").at(i);
      if (i == 0) {
        bias = b.get("layer.0.SelfAttention.relative_attention_bias.weight", config.relativeAttentionNumBuckets(),
            config.numHeads());
      }
      list.add(new T5Block(b, config));
    }
    this.relativeAttentionBias = bias;
    this.blocks = List.copyOf(list);
    this.finalLayerNorm = enc.get("final_layer_norm.weight", config.dModel());
  }

  /**
   * Loads {@code text_encoder/} (config.json and model.safetensors, or its shards) strictly.
   *
   * @param dtype the parameters' dtype (norms and softmax still run in float32)
   */
  public static T5EncoderModel load(Path dir, NDManager manager, DataType dtype) {
    return load(dir, manager, dtype, null);
  }

  /** As {@link #load(Path, NDManager, DataType)}, from the weight files of a variant (e.g. {@code fp16}: {@code *.fp16.safetensors}), or the plain files when {@code variant} is null. */
  public static T5EncoderModel load(Path dir, NDManager manager, DataType dtype, String variant) {
    T5Config cfg = T5Config.parse(JsonConfig.read(dir.resolve("config.json")));
    try (WeightSource src = ComponentWeights.open(dir, variant, "model")) {
      WeightLoader loader = new WeightLoader(src, manager, dtype);
      T5EncoderModel m = new T5EncoderModel(cfg, loader.root());
      loader.finish("T5EncoderModel", IGNORED_KEYS);
      return m;
    }
  }

  public T5Config config() {
    return config;
  }

  /** {@link dev.vidgen.spi.TextEncoder}: {@link #forward}. */
  @Override
  public NDArray encode(NDArray inputIds, NDArray attentionMask) {
    return forward(inputIds, attentionMask);
  }

  /**
   * {@code T5EncoderModel(input_ids, attention_mask)[0]}.
   *
   * @param inputIds {@code [B, L]} integer ids
   * @param attentionMask {@code [B, L]} 1 for tokens to attend to, 0 for padding; null attends to all (as the
   *     LTX and CogVideoX pipelines call it)
   * @return last hidden state {@code [B, L, d_model]}
   */
  public NDArray forward(NDArray inputIds, NDArray attentionMask) {
    long b = inputIds.getShape().get(0);
    long l = inputIds.getShape().get(1);
    if (inputIds.getDataType().isFloating()) {
      throw new IllegalArgumentException("inputIds must be an integer tensor, got " + inputIds.getDataType());
    }
    return Scopes.keep(() -> {
      NDArray flat = inputIds.toType(DataType.INT64, false).reshape(-1); // (B*L)
      NDArray hidden = shared.get(flat).reshape(b, l, config.dModel()); // (B, L, d_model)
      // compute_bias: (1, H, L, L), plus the extended mask (1 - m) * finfo.min broadcast over heads and queries.
      NDArray positionBias = computeBias(hidden.getManager(), (int) l).toType(hidden.getDataType(), false);
      if (attentionMask != null) {
        NDArray m = attentionMask.toType(hidden.getDataType(), false).reshape(b, 1, 1, l); // (B, 1, 1, L)
        NDArray extended = m.neg().add(1f).mul(minValue(hidden.getDataType()));
        positionBias = positionBias.add(extended); // (B, H, L, L)
      }
      for (T5Block block : blocks) {
        hidden = block.forward(hidden, positionBias);
      }
      return t5LayerNorm(hidden, finalLayerNorm, config.layerNormEpsilon());
    });
  }

  private static float minValue(DataType dt) {
    return switch (dt) {
      case FLOAT16 -> -65504f;
      case BFLOAT16 -> -3.3895314e38f;
      default -> -Float.MAX_VALUE;
    };
  }

  /** {@code T5Attention.compute_bias} for an encoder: bidirectional buckets of {@code key - query}. */
  private NDArray computeBias(NDManager manager, int length) {
    long[] buckets = new long[length * length];
    for (int q = 0; q < length; q++) {
      for (int k = 0; k < length; k++) {
        buckets[q * length + k] = relativePositionBucket(k - q, true, config.relativeAttentionNumBuckets(),
            config.relativeAttentionMaxDistance());
      }
    }
    NDArray idx = manager.create(buckets); // (L*L)
    NDArray values = relativeAttentionBias.get(idx).reshape(length, length, config.numHeads()); // (L, L, H)
    return values.transpose(2, 0, 1).expandDims(0); // (1, H, L, L)
  }

  /**
   * {@code T5Attention._relative_position_bucket}: exact buckets for small distances, logarithmic ones up to
   * {@code maxDistance}; the logarithm is taken in float32 as torch does.
   */
  static int relativePositionBucket(int relativePosition, boolean bidirectional, int numBuckets, int maxDistance) {
    int relativeBuckets = 0;
    int n = numBuckets;
    int rp = relativePosition;
    if (bidirectional) {
      n /= 2;
      if (rp > 0) {
        relativeBuckets += n;
      }
      rp = Math.abs(rp);
    } else {
      rp = -Math.min(rp, 0);
    }
    int maxExact = n / 2;
    if (rp < maxExact) {
      return relativeBuckets + rp;
    }
    float ratio = (float) rp / (float) maxExact;
    float logRatio = (float) Math.log(ratio);
    float scaled = logRatio / (float) Math.log((double) maxDistance / maxExact) * (float) (n - maxExact);
    int ifLarge = maxExact + (int) scaled;
    return relativeBuckets + Math.min(ifLarge, n - 1);
  }

  /**
   * {@code T5LayerNorm}: RMS norm without mean subtraction or bias, the variance computed in float32, the result
   * cast back to the weight's dtype before the scale.
   */
  static NDArray t5LayerNorm(NDArray x, NDArray weight, double eps) {
    DataType dt = x.getDataType();
    NDArray x32 = x.toType(DataType.FLOAT32, false);
    NDArray variance = x32.square().mean(new int[] {-1}, true);
    NDArray normed = x32.div(variance.add((float) eps).sqrt()); // x * rsqrt(var + eps)
    if (weight.getDataType() != DataType.FLOAT32) {
      normed = normed.toType(weight.getDataType(), false);
    }
    return weight.getDataType() == dt ? normed.mul(weight) : normed.mul(weight).toType(dt, false);
  }

  /** {@code T5Block} of an encoder: self-attention layer then feed-forward layer. */
  private static final class T5Block {
    private final T5Config cfg;
    private final NDArray attnNorm;
    private final Linear q;
    private final Linear k;
    private final Linear v;
    private final Linear o;
    private final NDArray ffNorm;
    private final Linear wi0;
    private final Linear wi1;
    private final Linear wi;
    private final Linear wo;

    T5Block(Weights w, T5Config cfg) {
      this.cfg = cfg;
      Weights attn = w.at("layer.0");
      int inner = cfg.innerDim();
      this.attnNorm = attn.get("layer_norm.weight", cfg.dModel());
      this.q = Linear.load(attn.at("SelfAttention.q"), cfg.dModel(), inner, false);
      this.k = Linear.load(attn.at("SelfAttention.k"), cfg.dModel(), inner, false);
      this.v = Linear.load(attn.at("SelfAttention.v"), cfg.dModel(), inner, false);
      this.o = Linear.load(attn.at("SelfAttention.o"), inner, cfg.dModel(), false);
      Weights ff = w.at("layer.1");
      this.ffNorm = ff.get("layer_norm.weight", cfg.dModel());
      Weights dense = ff.at("DenseReluDense");
      if (cfg.isGatedAct()) {
        this.wi0 = Linear.load(dense.at("wi_0"), cfg.dModel(), cfg.dFf(), false);
        this.wi1 = Linear.load(dense.at("wi_1"), cfg.dModel(), cfg.dFf(), false);
        this.wi = null;
      } else {
        this.wi = Linear.load(dense.at("wi"), cfg.dModel(), cfg.dFf(), false);
        this.wi0 = null;
        this.wi1 = null;
      }
      this.wo = Linear.load(dense.at("wo"), cfg.dFf(), cfg.dModel(), false);
    }

    NDArray forward(NDArray hidden, NDArray positionBias) {
      return Scopes.keep(() -> {
        // T5LayerSelfAttention
        NDArray normed = t5LayerNorm(hidden, attnNorm, cfg.layerNormEpsilon());
        NDArray qh = Ops.splitHeads(q.forward(normed), cfg.numHeads()); // (B, H, L, d_kv)
        NDArray kh = Ops.splitHeads(k.forward(normed), cfg.numHeads());
        NDArray vh = Ops.splitHeads(v.forward(normed), cfg.numHeads());
        NDArray scores = qh.matMul(kh.swapAxes(-1, -2)).add(positionBias); // (B, H, L, L), no 1/sqrt(d) scaling
        NDArray weights = scores.toType(DataType.FLOAT32, false).softmax(-1).toType(scores.getDataType(), false);
        NDArray attnOut = o.forward(Ops.mergeHeads(weights.matMul(vh))); // (B, L, d_model)
        NDArray h = clampFp16(hidden.add(attnOut));
        // T5LayerFF
        NDArray ffIn = t5LayerNorm(h, ffNorm, cfg.layerNormEpsilon());
        NDArray act;
        if (cfg.isGatedAct()) {
          act = activation(wi0.forward(ffIn)).mul(wi1.forward(ffIn)); // (B, L, d_ff)
        } else {
          act = activation(wi.forward(ffIn));
        }
        return clampFp16(h.add(wo.forward(act)));
      });
    }

    private NDArray activation(NDArray x) {
      return switch (cfg.denseActFn()) {
        case RELU -> Activation.relu(x);
        case GELU -> Ops.gelu(x);
        case GELU_NEW -> Ops.geluTanh(x);
        case SILU -> Ops.silu(x);
      };
    }

    /** The float16 overflow guard of {@code T5Block.forward}. */
    private static NDArray clampFp16(NDArray h) {
      if (h.getDataType() != DataType.FLOAT16) {
        return h;
      }
      boolean anyInf = h.isInfinite().any().getBoolean();
      float clamp = anyInf ? 65504f - 1000f : 65504f;
      return h.clip(-clamp, clamp);
    }
  }
}
