package dev.vidgen.nn;

import ai.djl.ndarray.NDArray;
import dev.vidgen.weights.Weights;

/**
 * Port of diffusers v0.32.2 {@code models/embeddings.py} ({@code TimestepEmbedding}) with the SiLU activation:
 * {@code linear_2(silu(linear_1(sample)))}.
 */
public final class TimestepEmbedding {
  private final Linear linear1;
  private final Linear linear2;

  public TimestepEmbedding(Weights w, int inChannels, int timeEmbedDim, int outDim) {
    this.linear1 = Linear.load(w.at("linear_1"), inChannels, timeEmbedDim);
    this.linear2 = Linear.load(w.at("linear_2"), timeEmbedDim, outDim);
  }

  public TimestepEmbedding(Weights w, int inChannels, int timeEmbedDim) {
    this(w, inChannels, timeEmbedDim, timeEmbedDim);
  }

  public NDArray forward(NDArray sample) {
    return Scopes.keep(() -> linear2.forward(Ops.silu(linear1.forward(sample))));
  }
}
