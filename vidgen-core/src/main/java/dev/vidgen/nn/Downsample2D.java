package dev.vidgen.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.vidgen.weights.Weights;

/**
 * Port of diffusers v0.32.2 {@code models/downsampling.py} ({@code Downsample2D}): a stride-2 3×3 conv named
 * {@code conv} (with {@code padding=0} the input is first padded by one on the right and bottom, as the VAE encoder
 * does), or 2×2 average pooling without conv.
 */
public final class Downsample2D {
  private final Conv conv;
  private final int padding;

  public Downsample2D(Weights w, int channels, int outChannels, boolean useConv, int padding) {
    this.padding = padding;
    this.conv = useConv ? Conv.load2d(w.at("conv"), channels, outChannels, 3, 2, padding) : null;
  }

  public NDArray forward(NDArray x) {
    return Scopes.keep(() -> {
      if (conv == null) {
        long[] s = x.getShape().getShape(); // (N, C, H, W) -> mean over 2x2 windows
        NDArray r = x.reshape(s[0], s[1], s[2] / 2, 2, s[3] / 2, 2);
        return r.mean(new int[] {3, 5});
      }
      NDArray h = x;
      if (padding == 0) {
        // F.pad(x, (0, 1, 0, 1)): one zero column on the right, one zero row at the bottom
        h = x.pad(new Shape(0, 1, 0, 1), 0);
      }
      return conv.forward(h);
    });
  }
}
