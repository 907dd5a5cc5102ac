package dev.vidgen.models.svd;

import ai.djl.ndarray.NDArray;
import dev.vidgen.nn.Scopes;
import dev.vidgen.nn.Upsample2D;
import dev.vidgen.weights.Weights;
import java.util.ArrayList;
import java.util.List;

/**
 * Port of diffusers v0.32.2 {@code models/unets/unet_3d_blocks.py} ({@code UpBlockTemporalDecoder}): {@code
 * num_layers} decoder-style {@link SpatioTemporalResBlock}s, then an optional nearest 2× up-sampling with a 3×3
 * conv ({@code upsamplers.0}).
 */
public final class UpBlockTemporalDecoder {
  private final List<SpatioTemporalResBlock> resnets = new ArrayList<>();
  private final Upsample2D upsampler;

  public UpBlockTemporalDecoder(Weights w, int inChannels, int outChannels, int numLayers, boolean addUpsample) {
    for (int i = 0; i < numLayers; i++) {
      int inputChannels = i == 0 ? inChannels : outChannels;
      resnets.add(SpatioTemporalResBlock.decoder(w.at("resnets").at(i), inputChannels, outChannels));
    }
    this.upsampler = addUpsample ? new Upsample2D(w.at("upsamplers").at(0), outChannels, outChannels, true) : null;
  }

  /**
   * @param hiddenStates {@code [B*F, C, H, W]}
   * @param imageOnlyIndicator {@code [B, F]}
   */
  public NDArray forward(NDArray hiddenStates, NDArray imageOnlyIndicator) {
    return Scopes.keep(() -> {
      NDArray h = hiddenStates;
      for (SpatioTemporalResBlock resnet : resnets) {
        h = resnet.forward(h, null, imageOnlyIndicator);
      }
      return upsampler == null ? h : upsampler.forward(h, null);
    });
  }
}
