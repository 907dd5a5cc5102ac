package dev.vidgen.text;

import ai.djl.ndarray.NDArray;
import dev.vidgen.nn.LayerNorm;
import dev.vidgen.nn.Scopes;
import dev.vidgen.weights.Weights;

/**
 * Port of transformers v4.44 {@code models/clip/modeling_clip.py} ({@code CLIPEncoderLayer}): a pre-LN transformer
 * layer, {@code x + self_attn(layer_norm1(x))} then {@code x + mlp(layer_norm2(x))}.
 */
public final class CLIPEncoderLayer {
  private final CLIPAttention selfAttn;
  private final LayerNorm layerNorm1;
  private final CLIPMLP mlp;
  private final LayerNorm layerNorm2;

  public CLIPEncoderLayer(Weights w, int hiddenSize, int numHeads, int intermediateSize, HiddenAct hiddenAct,
      double layerNormEps) {
    this.selfAttn = new CLIPAttention(w.at("self_attn"), hiddenSize, numHeads);
    this.layerNorm1 = LayerNorm.load(w.at("layer_norm1"), hiddenSize, layerNormEps);
    this.mlp = new CLIPMLP(w.at("mlp"), hiddenSize, intermediateSize, hiddenAct);
    this.layerNorm2 = LayerNorm.load(w.at("layer_norm2"), hiddenSize, layerNormEps);
  }

  /**
   * @param hiddenStates {@code [B, L, hidden]}
   * @param causalAttentionMask additive mask {@code [1, 1, L, L]}, or null
   */
  public NDArray forward(NDArray hiddenStates, NDArray causalAttentionMask) {
    return Scopes.keep(() -> {
      NDArray residual = hiddenStates;
      NDArray h = layerNorm1.forward(hiddenStates);
      h = selfAttn.forward(h, causalAttentionMask);
      h = residual.add(h);

      residual = h;
      h = layerNorm2.forward(h);
      h = mlp.forward(h);
      return residual.add(h);
    });
  }
}
