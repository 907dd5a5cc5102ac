package dev.vidgen.models.svd;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.vidgen.nn.Conv;
import dev.vidgen.nn.Interpolate;
import dev.vidgen.nn.Scopes;

/**
 * Port of diffusers v0.32.2 {@code pipelines/stable_video_diffusion/pipeline_stable_video_diffusion.py} ({@code
 * _resize_with_antialiasing}, {@code _gaussian_blur2d}, {@code _gaussian}, {@code _filter2d}, {@code
 * _compute_padding}): the image encoder's resize. A separable gaussian blur whose sigma follows skimage's
 * anti-aliasing rule, {@code max((factor - 1) / 2, 0.001)} per axis, with reflect padding, then bicubic
 * interpolation with {@code align_corners=True}.
 */
public final class ResizeWithAntialiasing {
  private ResizeWithAntialiasing() {}

  /**
   * @param input {@code [B, C, H, W]}
   * @return {@code [B, C, height, width]}
   */
  public static NDArray resize(NDArray input, int height, int width) {
    return Scopes.keep(() -> {
      Shape s = input.getShape();
      double h = s.get(2);
      double w = s.get(3);
      double[] factors = {h / height, w / width};
      // First, we have to determine sigma (skimage's rule)
      double[] sigmas = {Math.max((factors[0] - 1.0) / 2.0, 0.001), Math.max((factors[1] - 1.0) / 2.0, 0.001)};
      // Kernel size: 2 sigmas each side, at least 3, made odd
      int[] ks = {(int) Math.max(2.0 * 2 * sigmas[0], 3), (int) Math.max(2.0 * 2 * sigmas[1], 3)};
      if (ks[0] % 2 == 0) {
        ks[0] += 1;
      }
      if (ks[1] % 2 == 0) {
        ks[1] += 1;
      }
      NDArray blurred = gaussianBlur2d(input, ks, sigmas);
      return Interpolate.bicubic(blurred, height, width, true);
    });
  }

  /** {@code _gaussian_blur2d}: the x kernel first, then the y kernel. */
  static NDArray gaussianBlur2d(NDArray input, int[] kernelSize, double[] sigma) {
    int ky = kernelSize[0];
    int kx = kernelSize[1];
    NDArray kernelX = gaussian(input.getManager(), kx, sigma[1], input.getDataType()).reshape(1, 1, kx); // (1,1,kx)
    NDArray kernelY = gaussian(input.getManager(), ky, sigma[0], input.getDataType()).reshape(1, ky, 1); // (1,ky,1)
    NDArray outX = filter2d(input, kernelX);
    return filter2d(outX, kernelY);
  }

  /**
   * {@code _gaussian}: a normalised 1-D gaussian window, computed in the input's dtype as torch does (sigma is made a
   * tensor of that dtype first).
   */
  static NDArray gaussian(NDManager manager, int windowSize, double sigma, DataType dtype) {
    NDArray sigmaT = manager.create(new float[] {(float) sigma}).toType(dtype, false); // torch.tensor([sigma], dtype)
    NDArray x = manager.arange(0, windowSize, 1, dtype).sub(windowSize / 2); // arange(ws) - ws // 2
    if (windowSize % 2 == 0) {
      x = x.add(0.5f);
    }
    NDArray gauss = x.pow(2.0f).neg().div(sigmaT.pow(2.0f).mul(2)).exp(); // exp(-x^2 / (2 sigma^2))
    return gauss.div(gauss.sum(new int[] {-1}, true));
  }

  /**
   * {@code _filter2d}: depthwise convolution of every channel with {@code kernel} ({@code [1, kh, kw]}), after
   * reflect padding that keeps the size ({@code _compute_padding}).
   */
  static NDArray filter2d(NDArray input, NDArray kernel) {
    Shape s = input.getShape();
    long c = s.get(1);
    long kh = kernel.getShape().get(1);
    long kw = kernel.getShape().get(2);
    NDArray weight = kernel.reshape(1, 1, kh, kw).broadcast(new Shape(1, c, kh, kw)).reshape(c, 1, kh, kw);
    // _compute_padding: front = (k - 1) // 2, rear = (k - 1) - front, per spatial dim
    long padTop = (kh - 1) / 2;
    long padBottom = (kh - 1) - padTop;
    long padLeft = (kw - 1) / 2;
    long padRight = (kw - 1) - padLeft;
    NDArray padded = reflectPad(input, 2, padTop, padBottom);
    padded = reflectPad(padded, 3, padLeft, padRight);
    Conv depthwise = new Conv(weight, null, new long[] {1, 1}, new long[] {0, 0}, new long[] {1, 1},
        Math.toIntExact(c));
    return depthwise.forward(padded);
  }

  /** {@code F.pad(mode="reflect")} along one axis: mirror without repeating the edge. */
  static NDArray reflectPad(NDArray x, int axis, long before, long after) {
    if (before == 0 && after == 0) {
      return x;
    }
    long n = x.getShape().get(axis);
    if (before >= n || after >= n) {
      throw new IllegalArgumentException("reflect padding of " + Math.max(before, after) + " needs an input of more "
          + "than that many pixels along axis " + axis + ", got " + n);
    }
    long[] index = new long[(int) (n + before + after)];
    for (int i = 0; i < index.length; i++) {
      long j = i - before;
      if (j < 0) {
        j = -j;
      } else if (j >= n) {
        j = 2 * (n - 1) - j;
      }
      index[i] = j;
    }
    NDArray idx = x.getManager().create(index);
    return x.swapAxes(axis, 0).get(idx).swapAxes(0, axis);
  }
}
