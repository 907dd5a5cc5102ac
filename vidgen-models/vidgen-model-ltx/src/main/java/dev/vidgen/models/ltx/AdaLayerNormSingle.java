package dev.vidgen.models.ltx;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import dev.vidgen.nn.Linear;
import dev.vidgen.nn.Ops;
import dev.vidgen.nn.Scopes;
import dev.vidgen.weights.Weights;

/**
 * Port of diffusers v0.32.2 {@code models/normalization.py} ({@code AdaLayerNormSingle}, adaLN-single of
 * PixArt-Alpha) without additional conditions: {@code emb} embeds the timestep, {@code linear(silu(emb))} gives
 * the six modulation vectors of every transformer block.
 */
public final class AdaLayerNormSingle {
  private final PixArtAlphaCombinedTimestepSizeEmbeddings emb;
  private final Linear linear;

  public AdaLayerNormSingle(Weights w, int embeddingDim) {
    this.emb = new PixArtAlphaCombinedTimestepSizeEmbeddings(w.at("emb"), embeddingDim);
    this.linear = Linear.load(w.at("linear"), embeddingDim, 6L * embeddingDim);
  }

  /**
   * @param timestep {@code [N]}
   * @return {@code [temb (N, 6*dim), embedded_timestep (N, dim)]}
   */
  public NDList forward(NDArray timestep, DataType hiddenDtype) {
    return Scopes.keepAll(() -> {
      NDArray embedded = emb.forward(timestep, hiddenDtype);
      return new NDList(linear.forward(Ops.silu(embedded)), embedded);
    });
  }
}
