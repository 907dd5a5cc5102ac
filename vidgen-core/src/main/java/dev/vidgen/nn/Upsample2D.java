package dev.vidgen.nn;

import ai.djl.ndarray.NDArray;
import dev.vidgen.weights.Weights;

/**
 * Port of diffusers v0.32.2 {@code models/upsampling.py} ({@code Upsample2D}): nearest 2× up-sampling (or to a
 * given size) followed by an optional 3×3 conv named {@code conv}.
 */
public final class Upsample2D {
  private final Conv conv;

  public Upsample2D(Weights w, int channels, int outChannels, boolean useConv) {
    this.conv = useConv ? Conv.load2d(w.at("conv"), channels, outChannels, 3, 1, 1) : null;
  }

  /** @param outputSize {@code {H, W}} to match a skip connection, or null for 2× */
  public NDArray forward(NDArray x, long[] outputSize) {
    return Scopes.keep(() -> {
      NDArray h;
      long[] s = x.getShape().getShape();
      if (outputSize == null || (outputSize[0] == 2 * s[s.length - 2] && outputSize[1] == 2 * s[s.length - 1])) {
        h = Ops.upsampleNearest2x(x);
      } else {
        h = Ops.upsampleNearest(x, outputSize[0], outputSize[1]);
      }
      return conv == null ? h : conv.forward(h);
    });
  }
}
