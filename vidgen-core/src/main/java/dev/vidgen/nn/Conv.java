package dev.vidgen.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.vidgen.weights.Weights;

/**
 * {@code torch.nn.Conv1d/2d/3d} (the dimensionality follows the kernel): weight {@code [out, in/groups, *kernel]},
 * optional bias, per-dimension stride, zero padding and dilation.
 */
public record Conv(NDArray weight, NDArray bias, long[] stride, long[] padding, long[] dilation, int groups) {

  /** A conv with a cubic/square kernel, equal stride and padding in every dimension. */
  public static Conv load(Weights w, int dims, long in, long out, long kernel, long stride, long padding,
      boolean hasBias) {
    long[] k = fill(dims, kernel);
    return load(w, in, out, k, fill(dims, stride), fill(dims, padding), hasBias);
  }

  public static Conv load(Weights w, long in, long out, long[] kernel, long[] stride, long[] padding,
      boolean hasBias) {
    long[] shape = new long[2 + kernel.length];
    shape[0] = out;
    shape[1] = in;
    System.arraycopy(kernel, 0, shape, 2, kernel.length);
    return new Conv(w.get("weight", shape), hasBias ? w.get("bias", out) : null, stride.clone(), padding.clone(),
        fill(kernel.length, 1), 1);
  }

  /** 2-D conv with a square kernel and bias (the common case). */
  public static Conv load2d(Weights w, long in, long out, long kernel, long stride, long padding) {
    return load(w, 2, in, out, kernel, stride, padding, true);
  }

  private static long[] fill(int n, long v) {
    long[] a = new long[n];
    java.util.Arrays.fill(a, v);
    return a;
  }

  public NDArray forward(NDArray x) {
    NDArray y = x.getNDArrayInternal()
        .convolution(x, weight, bias, new Shape(stride), new Shape(padding), new Shape(dilation), groups)
        .singletonOrThrow();
    if (FlopCounter.counting()) {
      // each output element is a dot product over (in/groups) * prod(kernel) inputs
      FlopCounter.add(2L * y.getShape().size() * (weight.getShape().size() / weight.getShape().get(0)));
    }
    return y;
  }

  public long outChannels() {
    return weight.getShape().get(0);
  }
}
