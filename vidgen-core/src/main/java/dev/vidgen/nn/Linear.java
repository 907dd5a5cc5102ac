package dev.vidgen.nn;

import ai.djl.ndarray.NDArray;
import dev.vidgen.weights.Weights;

/** {@code torch.nn.Linear}: {@code y = x Wᵀ + b}; {@code weight} is {@code [out, in]}, {@code bias} optional. */
public record Linear(NDArray weight, NDArray bias) {
  /** Loads {@code weight} (and {@code bias} when {@code hasBias}) under {@code w}. */
  public static Linear load(Weights w, long in, long out, boolean hasBias) {
    return new Linear(w.get("weight", out, in), hasBias ? w.get("bias", out) : null);
  }

  public static Linear load(Weights w, long in, long out) {
    return load(w, in, out, true);
  }

  public NDArray forward(NDArray x) {
    if (FlopCounter.counting()) {
      FlopCounter.add(2L * (x.getShape().size() / inFeatures()) * inFeatures() * outFeatures());
    }
    return ai.djl.nn.core.Linear.linear(x, weight, bias).singletonOrThrow();
  }

  public long inFeatures() {
    return weight.getShape().get(1);
  }

  public long outFeatures() {
    return weight.getShape().get(0);
  }
}
