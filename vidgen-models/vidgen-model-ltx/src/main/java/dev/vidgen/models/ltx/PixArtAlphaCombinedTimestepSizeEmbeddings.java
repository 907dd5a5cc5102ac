package dev.vidgen.models.ltx;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import dev.vidgen.nn.Scopes;
import dev.vidgen.nn.TimestepEmbedding;
import dev.vidgen.nn.Timesteps;
import dev.vidgen.weights.Weights;

/**
 * Port of diffusers v0.32.2 {@code models/embeddings.py} ({@code PixArtAlphaCombinedTimestepSizeEmbeddings}) in
 * the form LTX-Video uses ({@code use_additional_conditions=False}): a 256-channel sinusoidal projection
 * ({@code time_proj}, cos first, no shift) followed by {@code timestep_embedder} ({@code linear_1}, SiLU,
 * {@code linear_2}).
 */
public final class PixArtAlphaCombinedTimestepSizeEmbeddings {
  private static final int PROJ_CHANNELS = 256;

  private final Timesteps timeProj = new Timesteps(PROJ_CHANNELS, true, 0);
  private final TimestepEmbedding timestepEmbedder;

  /** @param embeddingDim output channels ({@code embedding_dim}) */
  public PixArtAlphaCombinedTimestepSizeEmbeddings(Weights w, int embeddingDim) {
    this.timestepEmbedder = new TimestepEmbedding(w.at("timestep_embedder"), PROJ_CHANNELS, embeddingDim);
  }

  /**
   * @param timestep {@code [N]} (float timesteps, 0..1000)
   * @param hiddenDtype dtype of the model's activations ({@code hidden_dtype})
   * @return {@code [N, embeddingDim]}
   */
  public NDArray forward(NDArray timestep, DataType hiddenDtype) {
    return Scopes.keep(() -> {
      NDArray proj = timeProj.forward(timestep); // (N, 256) float32
      return timestepEmbedder.forward(proj.toType(hiddenDtype, false));
    });
  }
}
