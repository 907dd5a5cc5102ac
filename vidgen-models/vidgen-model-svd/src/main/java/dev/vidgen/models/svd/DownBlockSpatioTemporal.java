package dev.vidgen.models.svd;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import dev.vidgen.nn.Downsample2D;
import dev.vidgen.nn.Scopes;
import dev.vidgen.weights.Weights;
import java.util.ArrayList;
import java.util.List;

/**
 * Port of diffusers v0.32.2 {@code models/unets/unet_3d_blocks.py} ({@code DownBlockSpatioTemporal}): {@code
 * num_layers} {@link SpatioTemporalResBlock}s (eps 1e-5) and an optional stride-2 conv down-sampler; returns the
 * hidden states and every intermediate for the skip connections.
 */
public final class DownBlockSpatioTemporal implements SpatioTemporalDownBlock {
  private final List<SpatioTemporalResBlock> resnets = new ArrayList<>();
  private final Downsample2D downsampler;

  public DownBlockSpatioTemporal(Weights w, int inChannels, int outChannels, int tembChannels, int numLayers,
      boolean addDownsample) {
    for (int i = 0; i < numLayers; i++) {
      int in = i == 0 ? inChannels : outChannels;
      resnets.add(SpatioTemporalResBlock.unet(w.at("resnets").at(i), in, outChannels, tembChannels, 1e-5));
    }
    this.downsampler = addDownsample ? new Downsample2D(w.at("downsamplers").at(0), outChannels, outChannels, true,
        1) : null;
  }

  @Override
  public NDList forward(NDArray hiddenStates, NDArray temb, NDArray encoderHiddenStates,
      NDArray imageOnlyIndicator) {
    return Scopes.keepAll(() -> {
      NDList outputStates = new NDList();
      NDArray h = hiddenStates;
      for (SpatioTemporalResBlock resnet : resnets) {
        h = resnet.forward(h, temb, imageOnlyIndicator);
        outputStates.add(h);
      }
      if (downsampler != null) {
        h = downsampler.forward(h);
        outputStates.add(h);
      }
      return outputStates;
    });
  }
}
