package dev.vidgen.models.svd;

import ai.djl.ndarray.NDArray;
import dev.vidgen.nn.Scopes;
import dev.vidgen.nn.Upsample2D;
import dev.vidgen.weights.Weights;
import java.util.ArrayList;
import java.util.List;

/**
 * Port of diffusers v0.32.2 {@code models/unets/unet_3d_blocks.py} ({@code UpBlockSpatioTemporal}): {@code
 * num_layers} {@link SpatioTemporalResBlock}s, each on the hidden states concatenated with one skip state, then an
 * optional nearest up-sampler with a 3×3 conv. The UNet does not pass {@code resnet_eps}, so the resnets use the
 * block's default 1e-6.
 */
public final class UpBlockSpatioTemporal implements SpatioTemporalUpBlock {
  private final List<SpatioTemporalResBlock> resnets = new ArrayList<>();
  private final Upsample2D upsampler;

  public UpBlockSpatioTemporal(Weights w, int inChannels, int prevOutputChannel, int outChannels, int tembChannels,
      int numLayers, double resnetEps, boolean addUpsample) {
    for (int i = 0; i < numLayers; i++) {
      int resSkipChannels = i == numLayers - 1 ? inChannels : outChannels;
      int resnetInChannels = i == 0 ? prevOutputChannel : outChannels;
      resnets.add(SpatioTemporalResBlock.unet(w.at("resnets").at(i), resnetInChannels + resSkipChannels,
          outChannels, tembChannels, resnetEps));
    }
    this.upsampler = addUpsample ? new Upsample2D(w.at("upsamplers").at(0), outChannels, outChannels, true) : null;
  }

  @Override
  public int numResnets() {
    return resnets.size();
  }

  @Override
  public NDArray forward(NDArray hiddenStates, List<NDArray> resHiddenStatesTuple, NDArray temb,
      NDArray encoderHiddenStates, NDArray imageOnlyIndicator, long[] upsampleSize) {
    return Scopes.keep(() -> {
      NDArray h = hiddenStates;
      int next = resHiddenStatesTuple.size() - 1;
      for (SpatioTemporalResBlock resnet : resnets) {
        NDArray resHiddenStates = resHiddenStatesTuple.get(next--); // pop the last skip state
        h = h.concat(resHiddenStates, 1); // (B*F, C + C_skip, H, W)
        h = resnet.forward(h, temb, imageOnlyIndicator);
      }
      return upsampler == null ? h : upsampler.forward(h, upsampleSize);
    });
  }
}
