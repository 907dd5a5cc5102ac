package dev.vidgen.models.svd;

import ai.djl.ndarray.NDArray;
import dev.vidgen.nn.Attention;
import dev.vidgen.nn.FeedForward;
import dev.vidgen.nn.LayerNorm;
import dev.vidgen.nn.Scopes;
import dev.vidgen.weights.Weights;

/**
 * Port of diffusers v0.32.2 {@code models/attention.py} ({@code BasicTransformerBlock}) in the one configuration
 * {@link TransformerSpatioTemporalModel} builds: {@code norm_type="layer_norm"} (eps 1e-5, affine), self-attention
 * {@code attn1}, cross-attention {@code attn2} on the image embedding, GEGLU feed-forward; no attention bias,
 * biased output projections. Package-private: SVD's spatial blocks only; the general block lives in core.
 */
final class BasicTransformerBlock {
  private final LayerNorm norm1;
  private final Attention attn1;
  private final LayerNorm norm2;
  private final Attention attn2;
  private final LayerNorm norm3;
  private final FeedForward ff;

  BasicTransformerBlock(Weights w, int dim, int numAttentionHeads, int attentionHeadDim, int crossAttentionDim) {
    this.norm1 = LayerNorm.load(w.at("norm1"), dim, 1e-5);
    this.attn1 = new Attention(w.at("attn1"), Attention.Config.of(dim, null, numAttentionHeads, attentionHeadDim,
        false));
    this.norm2 = LayerNorm.load(w.at("norm2"), dim, 1e-5);
    this.attn2 = new Attention(w.at("attn2"), Attention.Config.of(dim, crossAttentionDim, numAttentionHeads,
        attentionHeadDim, false));
    this.norm3 = LayerNorm.load(w.at("norm3"), dim, 1e-5);
    this.ff = new FeedForward(w.at("ff"), dim, FeedForward.Activation.GEGLU);
  }

  /**
   * @param hiddenStates {@code [N, L, dim]}
   * @param encoderHiddenStates {@code [N, S, cross_attention_dim]}
   */
  NDArray forward(NDArray hiddenStates, NDArray encoderHiddenStates) {
    return Scopes.keep(() -> {
      NDArray h = attn1.forward(norm1.forward(hiddenStates)).add(hiddenStates);
      h = attn2.forward(norm2.forward(h), encoderHiddenStates, null).add(h);
      return ff.forward(norm3.forward(h)).add(h);
    });
  }
}
