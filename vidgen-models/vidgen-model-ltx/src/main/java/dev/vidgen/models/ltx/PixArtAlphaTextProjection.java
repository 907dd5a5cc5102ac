package dev.vidgen.models.ltx;

import ai.djl.ndarray.NDArray;
import dev.vidgen.nn.Linear;
import dev.vidgen.nn.Ops;
import dev.vidgen.nn.Scopes;
import dev.vidgen.weights.Weights;

/**
 * Port of diffusers v0.32.2 {@code models/embeddings.py} ({@code PixArtAlphaTextProjection}) with its default
 * {@code act_fn="gelu_tanh"}: {@code linear_2(gelu_tanh(linear_1(caption)))}.
 */
public final class PixArtAlphaTextProjection {
  private final Linear linear1;
  private final Linear linear2;

  public PixArtAlphaTextProjection(Weights w, int inFeatures, int hiddenSize) {
    this.linear1 = Linear.load(w.at("linear_1"), inFeatures, hiddenSize);
    this.linear2 = Linear.load(w.at("linear_2"), hiddenSize, hiddenSize);
  }

  /** @param caption {@code [B, S, inFeatures]} → {@code [B, S, hiddenSize]} */
  public NDArray forward(NDArray caption) {
    return Scopes.keep(() -> linear2.forward(Ops.geluTanh(linear1.forward(caption))));
  }
}
