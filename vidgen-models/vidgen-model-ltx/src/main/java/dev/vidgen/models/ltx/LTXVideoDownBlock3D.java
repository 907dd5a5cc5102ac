package dev.vidgen.models.ltx;

import ai.djl.ndarray.NDArray;
import dev.vidgen.nn.Scopes;
import dev.vidgen.weights.Weights;
import java.util.ArrayList;
import java.util.List;

/**
 * Port of diffusers v0.32.2 {@code models/autoencoders/autoencoder_kl_ltx.py} ({@code LTXVideoDownBlock3D}):
 * resnets at the input width, an optional stride-2 causal conv ({@code downsamplers.0}), and a widening resnet
 * ({@code conv_out}) when the output width differs.
 */
public final class LTXVideoDownBlock3D {
  private final List<LTXVideoResnetBlock3d> resnets;
  private final LTXVideoCausalConv3d downsampler;
  private final LTXVideoResnetBlock3d convOut;

  public LTXVideoDownBlock3D(Weights w, int inChannels, int outChannels, int numLayers, double resnetEps,
      boolean spatioTemporalScale, boolean isCausal) {
    List<LTXVideoResnetBlock3d> list = new ArrayList<>();
    for (int i = 0; i < numLayers; i++) {
      list.add(new LTXVideoResnetBlock3d(w.at("resnets").at(i), inChannels, inChannels, resnetEps, isCausal, false,
          false));
    }
    this.resnets = List.copyOf(list);
    this.downsampler = spatioTemporalScale
        ? new LTXVideoCausalConv3d(w.at("downsamplers").at(0), inChannels, inChannels, 3, 2, isCausal) : null;
    this.convOut = inChannels != outChannels
        ? new LTXVideoResnetBlock3d(w.at("conv_out"), inChannels, outChannels, resnetEps, isCausal, false, false)
        : null;
  }

  public NDArray forward(NDArray hiddenStates) {
    return Scopes.keep(() -> {
      NDArray h = hiddenStates;
      for (LTXVideoResnetBlock3d r : resnets) {
        h = r.forward(h, null, null);
      }
      if (downsampler != null) {
        h = downsampler.forward(h);
      }
      if (convOut != null) {
        h = convOut.forward(h, null, null);
      }
      return h;
    });
  }
}
