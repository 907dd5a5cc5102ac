package dev.vidgen.models.ltx;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.vidgen.nn.Scopes;
import dev.vidgen.weights.Weights;

/**
 * Port of diffusers v0.32.2 {@code models/autoencoders/autoencoder_kl_ltx.py} ({@code LTXVideoUpsampler3d}): a
 * causal conv to {@code C·s_t·s_h·s_w / upscale_factor} channels, then depth-to-space over (frames, rows,
 * columns), dropping the first {@code s_t - 1} frames (the causal padding frame); optionally a residual that
 * applies the same depth-to-space to the input, repeated over channels.
 */
public final class LTXVideoUpsampler3d {
  private final int[] stride;
  private final boolean residual;
  private final int upscaleFactor;
  private final LTXVideoCausalConv3d conv;

  public LTXVideoUpsampler3d(Weights w, int inChannels, int[] stride, boolean isCausal, boolean residual,
      int upscaleFactor) {
    this.stride = stride.clone();
    this.residual = residual;
    this.upscaleFactor = upscaleFactor;
    int outChannels = inChannels * stride[0] * stride[1] * stride[2] / upscaleFactor;
    this.conv = new LTXVideoCausalConv3d(w.at("conv"), inChannels, outChannels, 3, 1, isCausal);
  }

  /** {@code [B, C, F, H, W] -> [B, C', F·s_t - (s_t - 1), H·s_h, W·s_w]}. */
  public NDArray forward(NDArray hiddenStates) {
    return Scopes.keep(() -> {
      Shape s = hiddenStates.getShape();
      long b = s.get(0);
      long f = s.get(2);
      long h = s.get(3);
      long w = s.get(4);
      NDArray res = null;
      if (residual) {
        res = depthToSpace(hiddenStates, b, f, h, w);
        int repeats = stride[0] * stride[1] * stride[2] / upscaleFactor;
        res = res.tile(new long[] {1, repeats, 1, 1, 1}); // repeat(1, repeats, 1, 1, 1)
        res = res.get(":, :, " + (stride[0] - 1) + ":");
      }
      NDArray out = depthToSpace(conv.forward(hiddenStates), b, f, h, w);
      out = out.get(":, :, " + (stride[0] - 1) + ":");
      return res == null ? out : out.add(res);
    });
  }

  private NDArray depthToSpace(NDArray x, long b, long f, long h, long w) {
    NDArray r = x.reshape(new Shape(b, -1, stride[0], stride[1], stride[2], f, h, w)); // (B, C', st, sh, sw, F, H, W)
    NDArray p = r.transpose(0, 1, 5, 2, 6, 3, 7, 4); // (B, C', F, st, H, sh, W, sw)
    long c = p.getShape().get(1);
    return p.reshape(b, c, f * stride[0], h * stride[1], w * stride[2]);
  }
}
