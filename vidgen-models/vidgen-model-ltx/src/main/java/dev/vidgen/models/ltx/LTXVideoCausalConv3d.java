package dev.vidgen.models.ltx;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import dev.vidgen.nn.Conv;
import dev.vidgen.nn.Scopes;
import dev.vidgen.weights.Weights;

/**
 * Port of diffusers v0.32.2 {@code models/autoencoders/autoencoder_kl_ltx.py} ({@code LTXVideoCausalConv3d}): a
 * {@code Conv3d} ({@code conv}) with zero "same" padding in space and replicate padding in time: causal repeats
 * the first frame {@code k_t - 1} times in front, non-causal repeats the first and the last frame {@code (k_t -
 * 1) / 2} times on each side.
 */
public final class LTXVideoCausalConv3d {
  private final Conv conv;
  private final int timeKernelSize;
  private final boolean isCausal;

  /**
   * @param kernelSize cubic kernel size
   * @param stride equal stride in all three dims
   */
  public LTXVideoCausalConv3d(Weights w, int inChannels, int outChannels, int kernelSize, int stride,
      boolean isCausal) {
    long k = kernelSize;
    this.conv = Conv.load(w.at("conv"), inChannels, outChannels, new long[] {k, k, k},
        new long[] {stride, stride, stride}, new long[] {0, k / 2, k / 2}, true);
    this.timeKernelSize = kernelSize;
    this.isCausal = isCausal;
  }

  /** @param x {@code [B, C, F, H, W]} */
  public NDArray forward(NDArray x) {
    return Scopes.keep(() -> {
      NDArray padded = x;
      if (isCausal) {
        if (timeKernelSize > 1) {
          NDArray padLeft = x.get(":, :, :1").repeat(2, timeKernelSize - 1); // (B, C, k-1, H, W)
          padded = NDArrays.concat(new NDList(padLeft, x), 2);
        }
      } else {
        int n = (timeKernelSize - 1) / 2;
        if (n > 0) {
          NDArray padLeft = x.get(":, :, :1").repeat(2, n);
          NDArray padRight = x.get(":, :, -1:").repeat(2, n);
          padded = NDArrays.concat(new NDList(padLeft, x, padRight), 2);
        }
      }
      return conv.forward(padded);
    });
  }
}
