package dev.vidgen.models.svd;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.vidgen.nn.Conv;
import dev.vidgen.nn.GroupNorm;
import dev.vidgen.nn.Linear;
import dev.vidgen.nn.Ops;
import dev.vidgen.nn.Scopes;
import dev.vidgen.weights.Weights;

/**
 * Port of diffusers v0.32.2 {@code models/resnet.py} ({@code TemporalResnetBlock}): a resnet block over the frame
 * axis of {@code [B, C, F, H, W]}, with (3, 1, 1) 3-D convolutions, 32-group norms, SiLU, an optional per-frame time
 * embedding and a 1×1×1 shortcut when the channel count changes.
 */
public final class TemporalResnetBlock {
  private static final long[] KERNEL = {3, 1, 1};
  private static final long[] STRIDE = {1, 1, 1};
  private static final long[] PADDING = {1, 0, 0}; // k // 2 for each kernel dim

  private final GroupNorm norm1;
  private final Conv conv1;
  private final Linear timeEmbProj;
  private final GroupNorm norm2;
  private final Conv conv2;
  private final Conv convShortcut;

  /**
   * @param tembChannels channels of the time embedding, or null for none (the temporal VAE decoder)
   */
  public TemporalResnetBlock(Weights w, int inChannels, int outChannels, Integer tembChannels, double eps) {
    this.norm1 = GroupNorm.load(w.at("norm1"), 32, inChannels, eps);
    this.conv1 = Conv.load(w.at("conv1"), inChannels, outChannels, KERNEL, STRIDE, PADDING, true);
    this.timeEmbProj = tembChannels == null ? null : Linear.load(w.at("time_emb_proj"), tembChannels, outChannels);
    this.norm2 = GroupNorm.load(w.at("norm2"), 32, outChannels, eps);
    this.conv2 = Conv.load(w.at("conv2"), outChannels, outChannels, KERNEL, STRIDE, PADDING, true);
    this.convShortcut = inChannels != outChannels
        ? Conv.load(w.at("conv_shortcut"), inChannels, outChannels, new long[] {1, 1, 1}, STRIDE,
            new long[] {0, 0, 0}, true)
        : null;
  }

  /**
   * @param inputTensor {@code [B, C, F, H, W]}
   * @param temb {@code [B, F, temb_channels]}, or null
   * @return {@code [B, C_out, F, H, W]}
   */
  public NDArray forward(NDArray inputTensor, NDArray temb) {
    return Scopes.keep(() -> {
      NDArray hiddenStates = conv1.forward(Ops.silu(norm1.forward(inputTensor)));
      if (timeEmbProj != null) {
        NDArray t = timeEmbProj.forward(Ops.silu(temb)); // (B, F, C)
        Shape s = t.getShape();
        t = t.reshape(s.get(0), s.get(1), s.get(2), 1, 1).transpose(0, 2, 1, 3, 4); // (B, C, F, 1, 1)
        hiddenStates = hiddenStates.add(t);
      }
      hiddenStates = conv2.forward(Ops.silu(norm2.forward(hiddenStates)));
      NDArray shortcut = convShortcut == null ? inputTensor : convShortcut.forward(inputTensor);
      return shortcut.add(hiddenStates);
    });
  }
}
