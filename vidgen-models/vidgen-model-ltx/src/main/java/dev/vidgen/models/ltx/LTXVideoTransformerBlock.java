package dev.vidgen.models.ltx;

import ai.djl.ndarray.NDArray;
import dev.vidgen.nn.Attention;
import dev.vidgen.nn.FeedForward;
import dev.vidgen.nn.RMSNorm;
import dev.vidgen.nn.Scopes;
import dev.vidgen.weights.Weights;

/**
 * Port of diffusers v0.32.2 {@code models/transformers/transformer_ltx.py} ({@code LTXVideoTransformerBlock}):
 * RMS-normed, timestep-modulated self-attention with rotary positions ({@code attn1}), plain cross-attention to
 * the caption with its mask ({@code attn2}), and a modulated feed-forward ({@code ff}); the six modulation
 * vectors are {@code scale_shift_table + temb}.
 */
public final class LTXVideoTransformerBlock {
  private static final double ATTENTION_QK_NORM_EPS = 1e-5; // diffusers Attention's default eps

  private final int dim;
  private final RMSNorm norm1;
  private final Attention attn1;
  private final RMSNorm norm2;
  private final Attention attn2;
  private final FeedForward ff;
  private final NDArray scaleShiftTable;

  public LTXVideoTransformerBlock(Weights w, LTXVideoTransformer3DConfig cfg) {
    this.dim = cfg.innerDim();
    this.norm1 = RMSNorm.load(w.at("norm1"), dim, cfg.normEps(), cfg.normElementwiseAffine());
    this.attn1 = new Attention(w.at("attn1"), attentionConfig(cfg, dim));
    this.norm2 = RMSNorm.load(w.at("norm2"), dim, cfg.normEps(), cfg.normElementwiseAffine());
    this.attn2 = new Attention(w.at("attn2"), attentionConfig(cfg, cfg.crossAttentionDim()));
    this.ff = new FeedForward(w.at("ff"), dim, cfg.activationFn());
    this.scaleShiftTable = w.get("scale_shift_table", 6, dim);
  }

  private static Attention.Config attentionConfig(LTXVideoTransformer3DConfig cfg, int kvDim) {
    int dim = cfg.innerDim();
    return new Attention.Config(dim, kvDim, cfg.numAttentionHeads(), cfg.attentionHeadDim(), cfg.attentionBias(),
        cfg.attentionOutBias(), dim, Attention.QkNorm.RMS_NORM_ACROSS_HEADS, ATTENTION_QK_NORM_EPS, 0, false, 1.0);
  }

  /**
   * @param hiddenStates {@code [B, L, dim]}
   * @param encoderHiddenStates projected caption {@code [B, S, dim]}
   * @param temb {@code [B, T, 6*dim]} (T = 1)
   * @param rotary positions of the L tokens
   * @param encoderAttentionMask additive mask {@code [B, 1, 1, S]}, or null
   */
  public NDArray forward(NDArray hiddenStates, NDArray encoderHiddenStates, NDArray temb,
      LTXVideoRotaryPosEmbed.Freqs rotary, NDArray encoderAttentionMask) {
    return Scopes.keep(() -> {
      long b = hiddenStates.getShape().get(0);
      long t = temb.getShape().get(1);
      NDArray normHiddenStates = norm1.forward(hiddenStates);
      NDArray adaValues = scaleShiftTable.reshape(1, 1, 6, dim).add(temb.reshape(b, t, 6, dim)); // (B, T, 6, dim)
      NDArray shiftMsa = adaValues.get(":, :, 0");
      NDArray scaleMsa = adaValues.get(":, :, 1");
      NDArray gateMsa = adaValues.get(":, :, 2");
      NDArray shiftMlp = adaValues.get(":, :, 3");
      NDArray scaleMlp = adaValues.get(":, :, 4");
      NDArray gateMlp = adaValues.get(":, :, 5"); // each (B, T, dim)
      normHiddenStates = normHiddenStates.mul(scaleMsa.add(1f)).add(shiftMsa);

      NDArray attnHiddenStates = attn1.forward(normHiddenStates, null, null, rotary::apply);
      NDArray h = hiddenStates.add(attnHiddenStates.mul(gateMsa));

      attnHiddenStates = attn2.forward(h, encoderHiddenStates, encoderAttentionMask);
      h = h.add(attnHiddenStates);
      normHiddenStates = norm2.forward(h).mul(scaleMlp.add(1f)).add(shiftMlp);

      NDArray ffOutput = ff.forward(normHiddenStates);
      return h.add(ffOutput.mul(gateMlp));
    });
  }
}
