package dev.vidgen.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.vidgen.weights.Weights;

/**
 * {@code torch.nn.Conv1d/2d/3d} (the dimensionality follows the kernel): weight {@code [out, in/groups, *kernel]},
 * optional bias, per-dimension stride, zero padding and dilation.
 *
 * <p><b>A libtorch bug worked around here.</b> On CPU, libtorch 2.7.1's oneDNN convolution (the path it takes for
 * a batch above 1 or a large input) returns wrong numbers, sometimes NaN, when a kernel wider than 1×1 meets more
 * than 8 input channels that are not a multiple of 16: measured on this project's AVX-512 CPU for 17, 20, 24, 33
 * and 40 channels (errors of order 1 in every output), and for 12 and 20 with {@code ONEDNN_MAX_CPU_ISA=AVX2}, in
 * 1-, 2- and 3-D; multiples of 16, 1×1 kernels and ≤ 8 channels are right ({@code ConvTest}). It made the
 * ModelScope UNet wrong at widths such as 20, 24 and 40 (issue 15). {@link #forward} therefore pads the input
 * channels of such a convolution with zeros up to the next multiple of 16, and the weight to match: the added terms
 * are exact zeros, so the result is the same convolution (within float32 rounding of the summation order). The
 * published checkpoints' widths (320, 640, 128, ...) are multiples of 16 and never take this path.
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

  /** Input channels are padded to a multiple of this where oneDNN would otherwise compute wrongly (see above). */
  static final long ONEDNN_CHANNEL_BLOCK = 16;

  public NDArray forward(NDArray x) {
    NDArray y;
    long pad = channelPadding(x);
    if (pad == 0) {
      y = x.getNDArrayInternal()
          .convolution(x, weight, bias, new Shape(stride), new Shape(padding), new Shape(dilation), groups)
          .singletonOrThrow();
    } else {
      try (NDArray xPad = padChannels(x, pad); NDArray wPad = padChannels(weight, pad)) {
        y = xPad.getNDArrayInternal()
            .convolution(xPad, wPad, bias, new Shape(stride), new Shape(padding), new Shape(dilation), groups)
            .singletonOrThrow();
      }
    }
    if (FlopCounter.counting()) {
      // each output element is a dot product over (in/groups) * prod(kernel) inputs
      FlopCounter.add(2L * y.getShape().size() * (weight.getShape().size() / weight.getShape().get(0)));
    }
    return y;
  }

  /**
   * Zero channels to add to the input (and weight) so that libtorch's CPU convolution computes correctly: 0 unless
   * the conv runs on the CPU with one group, a kernel of more than one tap, and more than 8 input channels that are
   * not a multiple of {@link #ONEDNN_CHANNEL_BLOCK}.
   */
  long channelPadding(NDArray x) {
    long in = weight.getShape().get(1);
    long taps = weight.getShape().size() / (weight.getShape().get(0) * in);
    if (groups != 1 || taps == 1 || in <= 8 || in % ONEDNN_CHANNEL_BLOCK == 0 || !ai.djl.Device.Type.CPU.equals(x.getDevice().getDeviceType())) {
      return 0;
    }
    return ONEDNN_CHANNEL_BLOCK - in % ONEDNN_CHANNEL_BLOCK;
  }

  /** {@code t} with {@code pad} zero channels appended on axis 1: {@code [N, C, *] -> [N, C + pad, *]}. */
  private static NDArray padChannels(NDArray t, long pad) {
    long[] zerosShape = t.getShape().getShape().clone(); // getShape() hands out the cached array itself
    zerosShape[1] = pad;
    try (NDArray zeros = t.getManager().zeros(new Shape(zerosShape), t.getDataType())) {
      return t.concat(zeros, 1);
    }
  }

  public long outChannels() {
    return weight.getShape().get(0);
  }
}
