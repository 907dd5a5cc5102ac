package dev.vidgen.nn;

import ai.djl.ndarray.NDArray;
import dev.vidgen.weights.Weights;

/** {@code torch.nn.GroupNorm} over channels-first input {@code [N, C, *]}. */
public record GroupNorm(int groups, NDArray weight, NDArray bias, double eps) {
  public static GroupNorm load(Weights w, int groups, long channels, double eps) {
    if (groups <= 0 || channels % groups != 0) {
      throw new dev.vidgen.api.ConfigException(w.prefix() + ": GroupNorm with " + groups + " groups cannot split "
          + channels + " channels (norm_num_groups must divide every block's channel count)");
    }
    return new GroupNorm(groups, w.get("weight", channels), w.get("bias", channels), eps);
  }

  public NDArray forward(NDArray x) {
    return Ops.groupNorm(x, groups, weight, bias, eps);
  }
}
