package dev.vidgen.text;

import ai.djl.ndarray.NDArray;
import dev.vidgen.nn.Linear;
import dev.vidgen.nn.Ops;
import dev.vidgen.nn.Scopes;
import dev.vidgen.weights.Weights;

/**
 * Port of transformers v4.44 {@code models/clip/modeling_clip.py} ({@code CLIPAttention} / {@code
 * CLIPSdpaAttention}): multi-head self-attention with biased {@code q_proj}, {@code k_proj}, {@code v_proj},
 * {@code out_proj} and an optional additive mask.
 */
public final class CLIPAttention {
  private final int numHeads;
  private final double scale;
  private final Linear qProj;
  private final Linear kProj;
  private final Linear vProj;
  private final Linear outProj;

  public CLIPAttention(Weights w, int embedDim, int numHeads) {
    this.numHeads = numHeads;
    this.scale = Math.pow(embedDim / numHeads, -0.5);
    this.kProj = Linear.load(w.at("k_proj"), embedDim, embedDim);
    this.vProj = Linear.load(w.at("v_proj"), embedDim, embedDim);
    this.qProj = Linear.load(w.at("q_proj"), embedDim, embedDim);
    this.outProj = Linear.load(w.at("out_proj"), embedDim, embedDim);
  }

  /**
   * @param hiddenStates {@code [B, L, embed]}
   * @param mask additive mask broadcastable to {@code [B, heads, L, L]} (the causal mask), or null
   * @return {@code [B, L, embed]}
   */
  public NDArray forward(NDArray hiddenStates, NDArray mask) {
    return Scopes.keep(() -> {
      NDArray queryStates = Ops.splitHeads(qProj.forward(hiddenStates), numHeads); // (B, heads, L, D)
      NDArray keyStates = Ops.splitHeads(kProj.forward(hiddenStates), numHeads); // (B, heads, L, D)
      NDArray valueStates = Ops.splitHeads(vProj.forward(hiddenStates), numHeads); // (B, heads, L, D)
      NDArray attnOutput = Ops.attention(queryStates, keyStates, valueStates, mask, scale); // (B, heads, L, D)
      return outProj.forward(Ops.mergeHeads(attnOutput)); // (B, L, embed)
    });
  }
}
