package dev.vidgen.vision;

import ai.djl.ndarray.NDArray;
import dev.vidgen.nn.LayerNorm;
import dev.vidgen.nn.Linear;
import dev.vidgen.nn.Ops;
import dev.vidgen.nn.Scopes;
import dev.vidgen.weights.Weights;

/**
 * Port of transformers v4.44 {@code models/clip/modeling_clip.py} ({@code CLIPEncoderLayer} with {@code
 * CLIPAttention} and {@code CLIPMLP}): pre-norm self-attention ({@code self_attn.{q,k,v,out}_proj}) and MLP
 * ({@code mlp.fc1}, {@code mlp.fc2}), each with a residual connection. The same layer serves the text tower (with
 * a causal mask) and the vision tower (without).
 */
public final class CLIPEncoderLayer {
  private final int numHeads;
  private final int headDim;
  private final CLIPVisionConfig.HiddenAct act;
  private final LayerNorm layerNorm1;
  private final Linear qProj;
  private final Linear kProj;
  private final Linear vProj;
  private final Linear outProj;
  private final LayerNorm layerNorm2;
  private final Linear fc1;
  private final Linear fc2;

  public CLIPEncoderLayer(Weights w, int hiddenSize, int intermediateSize, int numAttentionHeads,
      CLIPVisionConfig.HiddenAct act, double layerNormEps) {
    this.numHeads = numAttentionHeads;
    this.headDim = hiddenSize / numAttentionHeads;
    this.act = act;
    Weights attn = w.at("self_attn");
    this.kProj = Linear.load(attn.at("k_proj"), hiddenSize, hiddenSize);
    this.vProj = Linear.load(attn.at("v_proj"), hiddenSize, hiddenSize);
    this.qProj = Linear.load(attn.at("q_proj"), hiddenSize, hiddenSize);
    this.outProj = Linear.load(attn.at("out_proj"), hiddenSize, hiddenSize);
    this.layerNorm1 = LayerNorm.load(w.at("layer_norm1"), hiddenSize, layerNormEps);
    this.fc1 = Linear.load(w.at("mlp").at("fc1"), hiddenSize, intermediateSize);
    this.fc2 = Linear.load(w.at("mlp").at("fc2"), intermediateSize, hiddenSize);
    this.layerNorm2 = LayerNorm.load(w.at("layer_norm2"), hiddenSize, layerNormEps);
  }

  /**
   * @param hiddenStates {@code [B, L, D]}
   * @param attentionMask additive mask broadcastable to {@code [B, heads, L, L]} (the text tower's causal mask), or
   *     null
   */
  public NDArray forward(NDArray hiddenStates, NDArray attentionMask) {
    return Scopes.keep(() -> {
      NDArray residual = hiddenStates;
      NDArray h = layerNorm1.forward(hiddenStates);
      NDArray q = Ops.splitHeads(qProj.forward(h), numHeads); // (B, heads, L, Dh)
      NDArray k = Ops.splitHeads(kProj.forward(h), numHeads);
      NDArray v = Ops.splitHeads(vProj.forward(h), numHeads);
      NDArray attn = Ops.attention(q, k, v, attentionMask, 1.0 / Math.sqrt(headDim)); // (B, heads, L, Dh)
      h = residual.add(outProj.forward(Ops.mergeHeads(attn))); // (B, L, D)

      residual = h;
      NDArray m = fc1.forward(layerNorm2.forward(h));
      m = switch (act) {
        case QUICK_GELU -> Ops.quickGelu(m);
        case GELU -> Ops.gelu(m);
        case GELU_NEW, GELU_PYTORCH_TANH -> Ops.geluTanh(m);
      };
      return residual.add(fc2.forward(m));
    });
  }
}
