package dev.vidgen.nn;

import ai.djl.ndarray.NDArray;
import dev.vidgen.weights.Weights;

/** diffusers' {@code RMSNorm} ({@code models/normalization.py}): optional weight ({@code elementwise_affine}). */
public record RMSNorm(NDArray weight, double eps) {
  public static RMSNorm load(Weights w, long dim, double eps, boolean affine) {
    return new RMSNorm(affine ? w.get("weight", dim) : null, eps);
  }

  public NDArray forward(NDArray x) {
    return Ops.rmsNorm(x, weight, eps);
  }
}
