package dev.vidgen.nn;

import ai.djl.ndarray.NDArray;
import dev.vidgen.weights.ConfigEnum;
import dev.vidgen.weights.Weights;

/**
 * Port of diffusers v0.32.2 {@code models/attention.py} ({@code BasicTransformerBlock}) for the options the video
 * families use: {@code norm_type="layer_norm"}, no AdaLayerNorm ({@code num_embeds_ada_norm=None}), no positional
 * embeddings, {@code attention_type="default"}. Pre-norm self-attention ({@code norm1}, {@code attn1}), an optional
 * second attention ({@code norm2}, {@code attn2}) that is cross-attention, or self-attention when {@code
 * double_self_attention}, then the feed-forward ({@code norm3}, {@code ff}); each with a residual connection.
 * Sequence input {@code [B, L, dim]}.
 */
public final class BasicTransformerBlock {
  /** {@code norm_type}; only the plain LayerNorm variant is ported. */
  public enum NormType implements ConfigEnum {
    LAYER_NORM("layer_norm");

    private final String json;

    NormType(String json) {
      this.json = json;
    }

    @Override
    public String jsonName() {
      return json;
    }
  }

  /**
   * The constructor arguments of diffusers' {@code BasicTransformerBlock} that change weights or arithmetic
   * (dropouts are inference no-ops and left out).
   *
   * @param dim channels of the input and output
   * @param numAttentionHeads heads of both attentions
   * @param attentionHeadDim channels per head
   * @param crossAttentionDim channels of {@code encoder_hidden_states}, or null (no cross-attention)
   * @param activationFn feed-forward activation
   * @param attentionBias q/k/v projections have biases
   * @param onlyCrossAttention {@code attn1} attends to {@code encoder_hidden_states} too
   * @param doubleSelfAttention {@code attn2} is a second self-attention (its k/v take {@code dim} channels)
   * @param upcastAttention diffusers' flag; its {@code AttnProcessor2_0} ignores it, so it changes nothing here
   * @param normElementwiseAffine the LayerNorms have weight and bias
   * @param normType the norm variant
   * @param normEps epsilon of the LayerNorms
   * @param ffInnerDim hidden width of the feed-forward, or null for {@code 4 * dim}
   * @param ffBias the feed-forward projections have biases
   * @param attentionOutBias the attention output projections have biases
   */
  public record Config(int dim, int numAttentionHeads, int attentionHeadDim, Integer crossAttentionDim,
      FeedForward.Activation activationFn, boolean attentionBias, boolean onlyCrossAttention,
      boolean doubleSelfAttention, boolean upcastAttention, boolean normElementwiseAffine, NormType normType,
      double normEps, Integer ffInnerDim, boolean ffBias, boolean attentionOutBias) {

    /** diffusers' defaults: GEGLU, no attention bias, LayerNorm with affine and eps 1e-5. */
    public static Config of(int dim, int numAttentionHeads, int attentionHeadDim, Integer crossAttentionDim) {
      return new Config(dim, numAttentionHeads, attentionHeadDim, crossAttentionDim, FeedForward.Activation.GEGLU,
          false, false, false, false, true, NormType.LAYER_NORM, 1e-5, null, true, true);
    }

    public Config withActivationFn(FeedForward.Activation a) {
      return new Config(dim, numAttentionHeads, attentionHeadDim, crossAttentionDim, a, attentionBias,
          onlyCrossAttention, doubleSelfAttention, upcastAttention, normElementwiseAffine, normType, normEps,
          ffInnerDim, ffBias, attentionOutBias);
    }

    public Config withAttentionBias(boolean b) {
      return new Config(dim, numAttentionHeads, attentionHeadDim, crossAttentionDim, activationFn, b,
          onlyCrossAttention, doubleSelfAttention, upcastAttention, normElementwiseAffine, normType, normEps,
          ffInnerDim, ffBias, attentionOutBias);
    }

    public Config withOnlyCrossAttention(boolean b) {
      return new Config(dim, numAttentionHeads, attentionHeadDim, crossAttentionDim, activationFn, attentionBias,
          b, doubleSelfAttention, upcastAttention, normElementwiseAffine, normType, normEps, ffInnerDim, ffBias,
          attentionOutBias);
    }

    public Config withDoubleSelfAttention(boolean b) {
      return new Config(dim, numAttentionHeads, attentionHeadDim, crossAttentionDim, activationFn, attentionBias,
          onlyCrossAttention, b, upcastAttention, normElementwiseAffine, normType, normEps, ffInnerDim, ffBias,
          attentionOutBias);
    }

    public Config withUpcastAttention(boolean b) {
      return new Config(dim, numAttentionHeads, attentionHeadDim, crossAttentionDim, activationFn, attentionBias,
          onlyCrossAttention, doubleSelfAttention, b, normElementwiseAffine, normType, normEps, ffInnerDim, ffBias,
          attentionOutBias);
    }

    public Config withNorm(NormType type, boolean elementwiseAffine, double eps) {
      return new Config(dim, numAttentionHeads, attentionHeadDim, crossAttentionDim, activationFn, attentionBias,
          onlyCrossAttention, doubleSelfAttention, upcastAttention, elementwiseAffine, type, eps, ffInnerDim, ffBias,
          attentionOutBias);
    }

    /** True when the block has the second attention ({@code attn2}, {@code norm2}). */
    public boolean hasAttn2() {
      return crossAttentionDim != null || doubleSelfAttention;
    }
  }

  private final Config cfg;
  private final LayerNorm norm1;
  private final Attention attn1;
  private final LayerNorm norm2;
  private final Attention attn2;
  private final LayerNorm norm3;
  private final FeedForward ff;

  public BasicTransformerBlock(Weights w, Config cfg) {
    this.cfg = cfg;
    int dim = cfg.dim();
    // 1. Self-Attn
    this.norm1 = LayerNorm.load(w.at("norm1"), dim, cfg.normEps(), cfg.normElementwiseAffine(), true);
    this.attn1 = new Attention(w.at("attn1"), attention(cfg.onlyCrossAttention() ? cfg.crossAttentionDim() : null));
    // 2. Cross-Attn (or a second self-attention)
    if (cfg.hasAttn2()) {
      this.norm2 = LayerNorm.load(w.at("norm2"), dim, cfg.normEps(), cfg.normElementwiseAffine(), true);
      this.attn2 = new Attention(w.at("attn2"), attention(cfg.doubleSelfAttention() ? null : cfg.crossAttentionDim()));
    } else {
      this.norm2 = null;
      this.attn2 = null;
    }
    // 3. Feed-forward
    this.norm3 = LayerNorm.load(w.at("norm3"), dim, cfg.normEps(), cfg.normElementwiseAffine(), true);
    int inner = cfg.ffInnerDim() == null ? 4 * dim : cfg.ffInnerDim();
    this.ff = new FeedForward(w.at("ff"), dim, dim, inner, cfg.activationFn(), cfg.ffBias());
  }

  private Attention.Config attention(Integer crossAttentionDim) {
    return new Attention.Config(cfg.dim(), crossAttentionDim == null ? cfg.dim() : crossAttentionDim,
        cfg.numAttentionHeads(), cfg.attentionHeadDim(), cfg.attentionBias(), cfg.attentionOutBias(), cfg.dim(),
        Attention.QkNorm.NONE, 1e-5, 0, false, 1.0);
  }

  public Config config() {
    return cfg;
  }

  /**
   * @param hidden {@code [B, L, dim]}
   * @param encoderHiddenStates {@code [B, S, cross_attention_dim]}, or null (then {@code attn2} attends to the
   *     block's own hidden states, as diffusers' Attention does)
   */
  public NDArray forward(NDArray hidden, NDArray encoderHiddenStates) {
    return forward(hidden, null, encoderHiddenStates, null);
  }

  /**
   * @param attentionMask additive bias for {@code attn1}, {@code [B, 1, L]} or broadcastable to {@code [B, heads, L,
   *     L]}, or null
   * @param encoderAttentionMask additive bias for {@code attn2}, {@code [B, 1, S]} or broadcastable to {@code [B,
   *     heads, L, S]}, or null
   */
  public NDArray forward(NDArray hidden, NDArray attentionMask, NDArray encoderHiddenStates,
      NDArray encoderAttentionMask) {
    return Scopes.keep(() -> {
      // 0. Self-Attention
      NDArray normHiddenStates = norm1.forward(hidden);
      NDArray attnOutput = attn1.forward(normHiddenStates, cfg.onlyCrossAttention() ? encoderHiddenStates : null,
          headMask(attentionMask));
      NDArray h = attnOutput.add(hidden);
      // 3. Cross-Attention
      if (attn2 != null) {
        normHiddenStates = norm2.forward(h);
        attnOutput = attn2.forward(normHiddenStates, encoderHiddenStates, headMask(encoderAttentionMask));
        h = attnOutput.add(h);
      }
      // 4. Feed-forward
      normHiddenStates = norm3.forward(h);
      NDArray ffOutput = ff.forward(normHiddenStates);
      return ffOutput.add(h);
    });
  }

  /**
   * diffusers' {@code prepare_attention_mask} for {@code AttnProcessor2_0}: a {@code [B, 1, S]} bias becomes {@code
   * [B, 1, 1, S]}, broadcast over heads and queries.
   */
  private static NDArray headMask(NDArray mask) {
    if (mask == null || mask.getShape().dimension() != 3) {
      return mask;
    }
    return mask.expandDims(1); // (B, 1, 1, S)
  }
}
