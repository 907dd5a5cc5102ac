package dev.vidgen.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.vidgen.weights.Weights;
import java.util.function.UnaryOperator;

/**
 * Port of diffusers v0.32.2 {@code models/attention_processor.py} ({@code Attention} with {@code AttnProcessor2_0}):
 * multi-head self- or cross-attention with optional group norm on the input (VAE mid-block), optional q/k norms
 * (LTX, CogVideoX), a residual connection and output rescaling. Weights {@code to_q}, {@code to_k}, {@code to_v},
 * {@code to_out.0}, {@code group_norm}, {@code norm_q}, {@code norm_k} under the module's prefix.
 */
public final class Attention {
  /** How queries and keys are normalised before the dot product ({@code qk_norm}). */
  public enum QkNorm {
    NONE,
    /** LayerNorm over each head's dim ({@code "layer_norm"}). */
    LAYER_NORM,
    /** RMSNorm over each head's dim ({@code "rms_norm"}). */
    RMS_NORM,
    /** RMSNorm over all heads at once ({@code "rms_norm_across_heads"}, LTX-Video). */
    RMS_NORM_ACROSS_HEADS
  }

  /**
   * The constructor arguments of diffusers' {@code Attention} that change weights or arithmetic.
   *
   * @param queryDim channels of the query input
   * @param crossAttentionDim channels of the key/value input (= queryDim for self-attention)
   * @param heads number of heads
   * @param dimHead channels per head
   * @param bias q/k/v projections have a bias
   * @param outBias output projection has a bias
   * @param outDim output channels (= queryDim normally)
   * @param qkNorm q/k normalisation
   * @param eps epsilon of the q/k norms and the group norm
   * @param normNumGroups groups of the input group norm, or 0 for none
   * @param residualConnection add the input to the output
   * @param rescaleOutputFactor divide the output by this
   */
  public record Config(int queryDim, int crossAttentionDim, int heads, int dimHead, boolean bias, boolean outBias,
      int outDim, QkNorm qkNorm, double eps, int normNumGroups, boolean residualConnection,
      double rescaleOutputFactor) {

    /** The common transformer-block attention: no bias on q/k/v, bias on the output. */
    public static Config of(int queryDim, Integer crossAttentionDim, int heads, int dimHead, boolean bias) {
      return new Config(queryDim, crossAttentionDim == null ? queryDim : crossAttentionDim, heads, dimHead, bias,
          true, queryDim, QkNorm.NONE, 1e-5, 0, false, 1.0);
    }

    public int innerDim() {
      return heads * dimHead;
    }
  }

  private final Config cfg;
  private final GroupNorm groupNorm;
  private final Linear toQ;
  private final Linear toK;
  private final Linear toV;
  private final Linear toOut;
  private final NDArray normQ;
  private final NDArray normQBias;
  private final NDArray normK;
  private final NDArray normKBias;

  public Attention(Weights w, Config cfg) {
    this.cfg = cfg;
    int inner = cfg.innerDim();
    this.groupNorm = cfg.normNumGroups() > 0 ? GroupNorm.load(w.at("group_norm"), cfg.normNumGroups(), cfg.queryDim(),
        cfg.eps()) : null;
    this.toQ = Linear.load(w.at("to_q"), cfg.queryDim(), inner, cfg.bias());
    this.toK = Linear.load(w.at("to_k"), cfg.crossAttentionDim(), inner, cfg.bias());
    this.toV = Linear.load(w.at("to_v"), cfg.crossAttentionDim(), inner, cfg.bias());
    this.toOut = Linear.load(w.at("to_out").at(0), inner, cfg.outDim(), cfg.outBias());
    long normDim = cfg.qkNorm() == QkNorm.RMS_NORM_ACROSS_HEADS ? inner : cfg.dimHead();
    switch (cfg.qkNorm()) {
      case LAYER_NORM -> {
        normQ = w.get("norm_q.weight", normDim);
        normQBias = w.get("norm_q.bias", normDim);
        normK = w.get("norm_k.weight", normDim);
        normKBias = w.get("norm_k.bias", normDim);
      }
      case RMS_NORM, RMS_NORM_ACROSS_HEADS -> {
        normQ = w.get("norm_q.weight", normDim);
        normK = w.get("norm_k.weight", normDim);
        normQBias = null;
        normKBias = null;
      }
      default -> {
        normQ = null;
        normK = null;
        normQBias = null;
        normKBias = null;
      }
    }
  }

  public Config config() {
    return cfg;
  }

  /** Self-attention. */
  public NDArray forward(NDArray hidden) {
    return forward(hidden, null, null);
  }

  /**
   * @param hidden {@code [B, L, C]}, or {@code [B, C, H, W]} (treated as {@code H*W} tokens and returned 4-D)
   * @param encoderHiddenStates {@code [B, S, Ce]} for cross-attention, or null
   * @param mask additive mask broadcastable to {@code [B, heads, L, S]}, or null
   */
  public NDArray forward(NDArray hidden, NDArray encoderHiddenStates, NDArray mask) {
    return forward(hidden, encoderHiddenStates, mask, null);
  }

  /**
   * As {@link #forward(NDArray, NDArray, NDArray)}, with a rotary position embedding applied to the queries and
   * keys after their projection and across-heads norm, before the split into heads (diffusers'
   * {@code LTXVideoAttentionProcessor2_0}: {@code apply_rotary_emb(query, image_rotary_emb)} on {@code [B, L,
   * heads*D]}).
   *
   * @param rotary maps {@code [B, L, heads*D]} to the rotated tensor of the same shape, or null for none
   */
  public NDArray forward(NDArray hidden, NDArray encoderHiddenStates, NDArray mask, UnaryOperator<NDArray> rotary) {
    if (rotary != null && (cfg.qkNorm() == QkNorm.LAYER_NORM || cfg.qkNorm() == QkNorm.RMS_NORM)) {
      throw new IllegalArgumentException("a rotary embedding before the head split needs qk_norm none or "
          + "rms_norm_across_heads, not " + cfg.qkNorm());
    }
    return Scopes.keep(() -> {
      Shape in = hidden.getShape();
      NDArray x = hidden;
      boolean image = in.dimension() == 4;
      if (image) {
        x = x.reshape(in.get(0), in.get(1), in.get(2) * in.get(3)).swapAxes(1, 2); // (B, H*W, C)
      }
      if (groupNorm != null) {
        x = groupNorm.forward(x.swapAxes(1, 2)).swapAxes(1, 2); // norm channels-first (B, C, L), back to (B, L, C)
      }
      NDArray ctx = encoderHiddenStates == null ? x : encoderHiddenStates;
      NDArray q = toQ.forward(x); // (B, L, heads*D)
      NDArray k = toK.forward(ctx); // (B, S, heads*D)
      NDArray v = toV.forward(ctx);
      if (cfg.qkNorm() == QkNorm.RMS_NORM_ACROSS_HEADS) {
        q = Ops.rmsNorm(q, normQ, cfg.eps());
        k = Ops.rmsNorm(k, normK, cfg.eps());
      }
      if (rotary != null) {
        q = rotary.apply(q);
        k = rotary.apply(k);
      }
      NDArray qh = Ops.splitHeads(q, cfg.heads()); // (B, heads, L, D)
      NDArray kh = Ops.splitHeads(k, cfg.heads()); // (B, heads, S, D)
      NDArray vh = Ops.splitHeads(v, cfg.heads());
      if (cfg.qkNorm() == QkNorm.LAYER_NORM) {
        qh = Ops.layerNorm(qh, normQ, normQBias, cfg.eps());
        kh = Ops.layerNorm(kh, normK, normKBias, cfg.eps());
      } else if (cfg.qkNorm() == QkNorm.RMS_NORM) {
        qh = Ops.rmsNorm(qh, normQ, cfg.eps());
        kh = Ops.rmsNorm(kh, normK, cfg.eps());
      }
      NDArray o = Ops.attention(qh, kh, vh, mask, 1.0 / Math.sqrt(cfg.dimHead())); // (B, heads, L, D)
      NDArray out = toOut.forward(Ops.mergeHeads(o)); // (B, L, outDim)
      if (image) {
        out = out.swapAxes(1, 2).reshape(in.get(0), cfg.outDim(), in.get(2), in.get(3)); // (B, C, H, W)
      }
      if (cfg.residualConnection()) {
        out = out.add(hidden);
      }
      if (cfg.rescaleOutputFactor() != 1.0) {
        out = Ops.div(out, (float) cfg.rescaleOutputFactor());
      }
      return out;
    });
  }
}
