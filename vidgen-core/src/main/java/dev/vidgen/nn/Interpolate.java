package dev.vidgen.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * {@code torch.nn.functional.interpolate} modes that DJL cannot express. DJL 0.36's PyTorch binding has no way to
 * ask for {@code align_corners=True} (its native {@code torchNNInterpolate} flag turns on anti-aliasing instead),
 * so bicubic interpolation is written out here the way libtorch's CPU kernel computes it ({@code
 * UpSampleKernel.cpp}, {@code HelperInterpCubic}): per output index, four clamped source indices and the cubic
 * convolution weights (A = −0.75), computed in float32; then a width pass and a height pass, each accumulating the
 * four taps in order, which reproduces torch's {@code sum_y w_y · (sum_x w_x · src)}.
 */
public final class Interpolate {
  /** The cubic convolution parameter torch uses. */
  private static final float A = -0.75f;

  private Interpolate() {}

  /**
   * {@code F.interpolate(x, size=(h, w), mode="bicubic", align_corners=alignCorners)} on {@code [N, C, H, W]}.
   */
  public static NDArray bicubic(NDArray x, long h, long w, boolean alignCorners) {
    int dims = x.getShape().dimension();
    if (dims != 4) {
      throw new IllegalArgumentException("bicubic interpolation needs [N, C, H, W], got " + x.getShape());
    }
    return Scopes.keep(() -> {
      NDArray alongW = interpolate1d(x, 3, w, alignCorners); // (N, C, H, w)
      return interpolate1d(alongW, 2, h, alignCorners); // (N, C, h, w)
    });
  }

  /** One separable pass: {@code out[..., i, ...] = sum_k weight[k][i] * x[..., index[k][i], ...]} along {@code axis}. */
  private static NDArray interpolate1d(NDArray x, int axis, long outSize, boolean alignCorners) {
    int inSize = Math.toIntExact(x.getShape().get(axis));
    int n = Math.toIntExact(outSize);
    long[][] index = new long[4][n];
    float[][] weight = new float[4][n];
    // area_pixel_compute_scale
    float scale;
    if (alignCorners) {
      scale = n > 1 ? (float) (inSize - 1) / (n - 1) : 0f;
    } else {
      scale = (float) inSize / n;
    }
    for (int i = 0; i < n; i++) {
      // area_pixel_compute_source_index(scale, i, align_corners, cubic=true)
      float real = alignCorners ? scale * i : scale * (i + 0.5f) - 0.5f;
      // guard_index_and_lambda
      int inputIndex = (int) Math.min((long) Math.floor(real), inSize - 1);
      float lambda = Math.min(Math.max(real - inputIndex, 0f), 1f);
      float[] c = cubicCoefficients(lambda);
      for (int k = 0; k < 4; k++) {
        index[k][i] = Math.max(Math.min(inputIndex - 1 + k, inSize - 1), 0);
        weight[k][i] = c[k];
      }
    }
    NDManager manager = x.getManager();
    int dims = x.getShape().dimension();
    long[] weightShape = new long[dims];
    java.util.Arrays.fill(weightShape, 1);
    weightShape[axis] = n;
    NDArray moved = x.swapAxes(axis, 0); // gather along axis 0
    NDArray out = null;
    for (int k = 0; k < 4; k++) {
      NDArray taps = moved.get(manager.create(index[k])).swapAxes(0, axis);
      NDArray term = taps.mul(manager.create(weight[k]).reshape(weightShape).toType(x.getDataType(), false));
      out = out == null ? term : out.add(term);
    }
    return out;
  }

  /** {@code get_cubic_upsample_coefficients}: weights of the taps at −1, 0, +1, +2 for fraction {@code t}. */
  static float[] cubicCoefficients(float t) {
    float x1 = t;
    float x2 = 1.0f - t;
    return new float[] {cubicConvolution2(x1 + 1.0f), cubicConvolution1(x1), cubicConvolution1(x2),
        cubicConvolution2(x2 + 1.0f)};
  }

  /** {@code cubic_convolution1}: |x| ≤ 1. */
  private static float cubicConvolution1(float x) {
    return ((A + 2) * x - (A + 3)) * x * x + 1;
  }

  /** {@code cubic_convolution2}: 1 < |x| < 2. */
  private static float cubicConvolution2(float x) {
    return ((A * x - 5 * A) * x + 8 * A) * x - 4 * A;
  }
}
