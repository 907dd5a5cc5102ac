package dev.vidgen.models.svd;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.vidgen.nn.Attention;
import dev.vidgen.nn.FeedForward;
import dev.vidgen.nn.LayerNorm;
import dev.vidgen.nn.Scopes;
import dev.vidgen.weights.Weights;

/**
 * Port of diffusers v0.32.2 {@code models/attention.py} ({@code TemporalBasicTransformerBlock}): a transformer
 * block whose sequence axis is the frames of each spatial position. {@code norm_in} + GEGLU {@code ff_in} (with a
 * residual when {@code dim == time_mix_inner_dim}), self-attention across frames ({@code attn1}), optional
 * cross-attention ({@code attn2}) on the first frame's conditioning, and a GEGLU feed-forward ({@code ff}).
 */
public final class TemporalBasicTransformerBlock {
  private final boolean isRes;
  private final LayerNorm normIn;
  private final FeedForward ffIn;
  private final LayerNorm norm1;
  private final Attention attn1;
  private final LayerNorm norm2;
  private final Attention attn2;
  private final LayerNorm norm3;
  private final FeedForward ff;

  /**
   * @param crossAttentionDim width of the cross-attention context, or null for no {@code attn2}
   */
  public TemporalBasicTransformerBlock(Weights w, int dim, int timeMixInnerDim, int numAttentionHeads,
      int attentionHeadDim, Integer crossAttentionDim) {
    this.isRes = dim == timeMixInnerDim;
    this.normIn = LayerNorm.load(w.at("norm_in"), dim, 1e-5);
    this.ffIn = new FeedForward(w.at("ff_in"), dim, timeMixInnerDim, dim * 4, FeedForward.Activation.GEGLU, true);
    this.norm1 = LayerNorm.load(w.at("norm1"), timeMixInnerDim, 1e-5);
    this.attn1 = new Attention(w.at("attn1"), Attention.Config.of(timeMixInnerDim, null, numAttentionHeads,
        attentionHeadDim, false));
    if (crossAttentionDim != null) {
      this.norm2 = LayerNorm.load(w.at("norm2"), timeMixInnerDim, 1e-5);
      this.attn2 = new Attention(w.at("attn2"), Attention.Config.of(timeMixInnerDim, crossAttentionDim,
          numAttentionHeads, attentionHeadDim, false));
    } else {
      this.norm2 = null;
      this.attn2 = null;
    }
    this.norm3 = LayerNorm.load(w.at("norm3"), timeMixInnerDim, 1e-5);
    this.ff = new FeedForward(w.at("ff"), timeMixInnerDim, FeedForward.Activation.GEGLU);
  }

  /**
   * @param hiddenStates {@code [B*F, L, C]} (L spatial positions)
   * @param numFrames F
   * @param encoderHiddenStates {@code [B*L, S, cross_attention_dim]} or null
   * @return {@code [B*F, L, C]}
   */
  public NDArray forward(NDArray hiddenStates, int numFrames, NDArray encoderHiddenStates) {
    return Scopes.keep(() -> {
      Shape s = hiddenStates.getShape();
      long batchFrames = s.get(0);
      long seqLength = s.get(1);
      long channels = s.get(2);
      long batchSize = batchFrames / numFrames;
      // (B*F, L, C) -> (B, F, L, C) -> (B, L, F, C) -> (B*L, F, C)
      NDArray h = hiddenStates.reshape(batchSize, numFrames, seqLength, channels).transpose(0, 2, 1, 3)
          .reshape(batchSize * seqLength, numFrames, channels);
      NDArray residual = h;
      h = ffIn.forward(normIn.forward(h));
      if (isRes) {
        h = h.add(residual);
      }
      h = attn1.forward(norm1.forward(h)).add(h);
      if (attn2 != null) {
        h = attn2.forward(norm2.forward(h), encoderHiddenStates, null).add(h);
      }
      NDArray ffOutput = ff.forward(norm3.forward(h));
      h = isRes ? ffOutput.add(h) : ffOutput;
      long c = h.getShape().get(2);
      // (B*L, F, C) -> (B, L, F, C) -> (B, F, L, C) -> (B*F, L, C)
      return h.reshape(batchSize, seqLength, numFrames, c).transpose(0, 2, 1, 3)
          .reshape(batchSize * numFrames, seqLength, c);
    });
  }
}
