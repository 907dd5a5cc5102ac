package dev.vidgen.nn;

import ai.djl.ndarray.NDArray;
import dev.vidgen.weights.Weights;

/** {@code torch.nn.LayerNorm} over the last dimension; affine parameters optional ({@code elementwise_affine=False}). */
public record LayerNorm(NDArray weight, NDArray bias, double eps) {
  public static LayerNorm load(Weights w, long dim, double eps) {
    return new LayerNorm(w.get("weight", dim), w.get("bias", dim), eps);
  }

  public static LayerNorm load(Weights w, long dim, double eps, boolean affine, boolean hasBias) {
    if (!affine) {
      return new LayerNorm(null, null, eps);
    }
    return new LayerNorm(w.get("weight", dim), hasBias ? w.get("bias", dim) : null, eps);
  }

  public NDArray forward(NDArray x) {
    return Ops.layerNorm(x, weight, bias, eps);
  }
}
