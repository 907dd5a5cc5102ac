package dev.vidgen.models.ltx;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.vidgen.nn.LayerNorm;
import dev.vidgen.nn.Ops;
import dev.vidgen.nn.Scopes;
import dev.vidgen.noise.NoiseSource;
import dev.vidgen.weights.Weights;

/**
 * Port of diffusers v0.32.2 {@code models/autoencoders/autoencoder_kl_ltx.py} ({@code LTXVideoResnetBlock3d}):
 * channel RMS norm (eps 1e-8, no affine), optional timestep scale/shift ({@code scale_shift_table}), SiLU, causal
 * conv, optional per-channel spatial noise ({@code per_channel_scale1/2}), twice; a LayerNorm ({@code norm3}) and
 * 1×1×1 conv shortcut when the channel count changes.
 */
public final class LTXVideoResnetBlock3d {
  private static final double RMS_EPS = 1e-8;

  private final int inChannels;
  private final LTXVideoCausalConv3d conv1;
  private final LTXVideoCausalConv3d conv2;
  private final LayerNorm norm3;
  private final LTXVideoCausalConv3d convShortcut;
  private final NDArray perChannelScale1;
  private final NDArray perChannelScale2;
  private final NDArray scaleShiftTable;

  public LTXVideoResnetBlock3d(Weights w, int inChannels, int outChannels, double eps, boolean isCausal,
      boolean injectNoise, boolean timestepConditioning) {
    this.inChannels = inChannels;
    this.conv1 = new LTXVideoCausalConv3d(w.at("conv1"), inChannels, outChannels, 3, 1, isCausal);
    this.conv2 = new LTXVideoCausalConv3d(w.at("conv2"), outChannels, outChannels, 3, 1, isCausal);
    if (inChannels != outChannels) {
      this.norm3 = LayerNorm.load(w.at("norm3"), inChannels, eps);
      this.convShortcut = new LTXVideoCausalConv3d(w.at("conv_shortcut"), inChannels, outChannels, 1, 1, isCausal);
    } else {
      this.norm3 = null;
      this.convShortcut = null;
    }
    // Both scales have in_channels rows in diffusers (they only ever meet in == out).
    this.perChannelScale1 = injectNoise ? w.get("per_channel_scale1", inChannels, 1, 1) : null;
    this.perChannelScale2 = injectNoise ? w.get("per_channel_scale2", inChannels, 1, 1) : null;
    this.scaleShiftTable = timestepConditioning ? w.get("scale_shift_table", 4, inChannels) : null;
  }

  /**
   * @param inputs {@code [B, C, F, H, W]}
   * @param temb embedded timestep {@code [B, 4*C, 1, 1, 1]} when timestep-conditioned, else ignored
   * @param generator source of the injected spatial noise (needed only with {@code per_channel_scale})
   */
  public NDArray forward(NDArray inputs, NDArray temb, NoiseSource generator) {
    return Scopes.keep(() -> {
      NDArray h = rmsNormChannels(inputs, RMS_EPS);
      NDArray shift2 = null;
      NDArray scale2 = null;
      if (scaleShiftTable != null) {
        long b = temb.getShape().get(0);
        // temb.unflatten(1, (4, -1)) + scale_shift_table[None, ..., None, None, None]: (B, 4, C, 1, 1, 1)
        NDArray t = temb.reshape(b, 4, inChannels, 1, 1, 1)
            .add(scaleShiftTable.reshape(1, 4, inChannels, 1, 1, 1));
        NDArray shift1 = t.get(":, 0");
        NDArray scale1 = t.get(":, 1");
        shift2 = t.get(":, 2");
        scale2 = t.get(":, 3");
        h = h.mul(scale1.add(1f)).add(shift1);
      }
      h = Ops.silu(h);
      h = conv1.forward(h);
      if (perChannelScale1 != null) {
        h = h.add(spatialNoise(h, perChannelScale1, generator));
      }
      h = rmsNormChannels(h, RMS_EPS);
      if (scaleShiftTable != null) {
        h = h.mul(scale2.add(1f)).add(shift2);
      }
      h = Ops.silu(h);
      h = conv2.forward(h);
      if (perChannelScale2 != null) {
        h = h.add(spatialNoise(h, perChannelScale2, generator));
      }
      NDArray residual = inputs;
      if (norm3 != null) {
        residual = norm3.forward(residual.transpose(0, 2, 3, 4, 1)).transpose(0, 4, 1, 2, 3); // LayerNorm over C
      }
      if (convShortcut != null) {
        residual = convShortcut.forward(residual);
      }
      return h.add(residual);
    });
  }

  /** {@code (randn(H, W)[None] * per_channel_scale)[None, :, None, ...]}: {@code [1, C, 1, H, W]}. */
  private static NDArray spatialNoise(NDArray h, NDArray scale, NoiseSource generator) {
    if (generator == null) {
      throw new IllegalArgumentException("this VAE injects noise in its decoder (decoder_inject_noise): "
          + "decode needs a NoiseSource");
    }
    Shape s = h.getShape();
    NDArray noise = generator.randn(h.getManager(), new Shape(s.get(3), s.get(4))).toType(h.getDataType(), false)
        .expandDims(0); // (1, H, W)
    return noise.mul(scale).expandDims(0).expandDims(2); // (1, C, 1, H, W)
  }

  /** diffusers' {@code RMSNorm} without affine over the channel dim of {@code [B, C, F, H, W]}, in float32. */
  static NDArray rmsNormChannels(NDArray x, double eps) {
    return Scopes.keep(() -> {
      NDArray x32 = x.toType(ai.djl.ndarray.types.DataType.FLOAT32, false);
      NDArray variance = x32.square().mean(new int[] {1}, true); // (B, 1, F, H, W)
      return x32.div(variance.add((float) eps).sqrt()).toType(x.getDataType(), false);
    });
  }
}
