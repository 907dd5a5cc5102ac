package dev.vidgen.models.modelscope;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.vidgen.nn.Conv;
import dev.vidgen.nn.GroupNorm;
import dev.vidgen.nn.Ops;
import dev.vidgen.nn.Scopes;
import dev.vidgen.weights.Weights;

/**
 * Port of diffusers v0.32.2 {@code models/resnet.py} ({@code TemporalConvLayer}): four {@code GroupNorm → SiLU →
 * Conv3d} stages with a {@code (3, 1, 1)} kernel that mix each pixel across neighbouring frames, plus the input as
 * a residual. The stages are {@code nn.Sequential}s, hence the weight names {@code conv1.0} (norm), {@code
 * conv1.2} (conv), and {@code conv2.0}/{@code conv2.3} ... (index 2 is a dropout there). Dropout is an inference
 * no-op.
 */
public final class TemporalConvLayer {
  private final GroupNorm[] norms = new GroupNorm[4];
  private final Conv[] convs = new Conv[4];

  /**
   * @param inDim input (and output) channels
   * @param outDim hidden channels, or null for {@code inDim}
   * @param normNumGroups groups of the four group norms (eps 1e-5, torch's default)
   */
  public TemporalConvLayer(Weights w, int inDim, Integer outDim, int normNumGroups) {
    int out = outDim == null ? inDim : outDim;
    long[] kernel = {3, 1, 1};
    long[] stride = {1, 1, 1};
    long[] padding = {1, 0, 0};
    norms[0] = GroupNorm.load(w.at("conv1.0"), normNumGroups, inDim, 1e-5);
    convs[0] = Conv.load(w.at("conv1.2"), inDim, out, kernel, stride, padding, true);
    for (int i = 1; i < 4; i++) {
      String seq = "conv" + (i + 1);
      norms[i] = GroupNorm.load(w.at(seq + ".0"), normNumGroups, out, 1e-5);
      convs[i] = Conv.load(w.at(seq + ".3"), out, inDim, kernel, stride, padding, true);
    }
  }

  /**
   * The {@code (3, 1, 1)} Conv3d over {@code (B, C, F, H, W)} computed as the identical {@code (3, 1)} Conv2d over
   * {@code (B, C, F, H*W)}: the kernel never looks across pixels, so flattening them changes nothing (the outputs are
   * bitwise equal), and libtorch's 2-D convolution on CPU (oneDNN) is faster than its 3-D one: 1.4-1.6x, forward
   * and backward, on the demo model's training shapes (8 clips x 32-64 channels x 8 frames x 8x8). The weight stays
   * the checkpoint's 5-D tensor; the 4-D view of it is taken per call so that autograd reaches the parameter.
   */
  private static NDArray temporalConv(Conv conv, NDArray x) {
    Shape w = conv.weight().getShape();
    NDArray weight2d = conv.weight().reshape(w.get(0), w.get(1), w.get(2), 1);
    return new Conv(weight2d, conv.bias(), new long[] {1, 1}, new long[] {1, 0}, new long[] {1, 1}, 1).forward(x);
  }

  /**
   * @param hidden {@code [B*F, C, H, W]}, frames of one video consecutive
   * @param numFrames F
   * @return {@code [B*F, C, H, W]}
   */
  public NDArray forward(NDArray hidden, int numFrames) {
    return Scopes.keep(() -> {
      Shape s = hidden.getShape();
      long batch = s.get(0) / numFrames;
      long pixels = s.get(2) * s.get(3);
      NDArray identity = hidden.reshape(batch, numFrames, s.get(1), pixels) // (B, F, C, H*W)
          .transpose(0, 2, 1, 3); // (B, C, F, H*W), a view
      NDArray h = identity;
      for (int i = 0; i < 4; i++) {
        h = temporalConv(convs[i], Ops.silu(norms[i].forward(h))); // (B, C, F, H*W)
      }
      // identity first: the sum takes the input's frames-first memory layout, so that the permute back and the
      // reshape below are views, not copies
      h = identity.add(h);
      return h.transpose(0, 2, 1, 3).reshape(s); // (B, F, C, H*W) -> (B*F, C, H, W)
    });
  }
}
