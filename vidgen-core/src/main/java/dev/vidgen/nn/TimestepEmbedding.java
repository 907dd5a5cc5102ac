package dev.vidgen.nn;

import ai.djl.ndarray.NDArray;
import dev.vidgen.weights.Weights;

/**
 * Port of diffusers v0.32.2 {@code models/embeddings.py} ({@code TimestepEmbedding}) with the SiLU activation:
 * {@code linear_2(silu(linear_1(sample + cond_proj(condition))))}; {@code cond_proj} (no bias) exists only when
 * {@code cond_proj_dim} is given (UNet configs' {@code time_cond_proj_dim}).
 */
public final class TimestepEmbedding {
  private final Linear condProj;
  private final Linear linear1;
  private final Linear linear2;

  /**
   * @param condProjDim width of the optional timestep condition ({@code cond_proj_dim}), or null for none
   */
  public TimestepEmbedding(Weights w, int inChannels, int timeEmbedDim, int outDim, Integer condProjDim) {
    this.linear1 = Linear.load(w.at("linear_1"), inChannels, timeEmbedDim);
    this.condProj = condProjDim == null ? null : Linear.load(w.at("cond_proj"), condProjDim, inChannels, false);
    this.linear2 = Linear.load(w.at("linear_2"), timeEmbedDim, outDim);
  }

  public TimestepEmbedding(Weights w, int inChannels, int timeEmbedDim, int outDim) {
    this(w, inChannels, timeEmbedDim, outDim, null);
  }

  public TimestepEmbedding(Weights w, int inChannels, int timeEmbedDim) {
    this(w, inChannels, timeEmbedDim, timeEmbedDim);
  }

  public NDArray forward(NDArray sample) {
    return forward(sample, null);
  }

  /**
   * @param sample {@code [N, in_channels]}
   * @param condition {@code [N, cond_proj_dim]} or null
   */
  public NDArray forward(NDArray sample, NDArray condition) {
    if (condition != null && condProj == null) {
      throw new IllegalArgumentException("a timestep condition was given but this TimestepEmbedding has no cond_proj "
          + "(the config's time_cond_proj_dim is null)");
    }
    return Scopes.keep(() -> {
      NDArray s = sample;
      if (condition != null) {
        s = s.add(condProj.forward(condition));
      }
      return linear2.forward(Ops.silu(linear1.forward(s)));
    });
  }
}
