package dev.vidgen.models.svd;

import ai.djl.ndarray.NDArray;
import dev.vidgen.nn.Scopes;
import dev.vidgen.nn.Upsample2D;
import dev.vidgen.weights.Weights;
import java.util.ArrayList;
import java.util.List;

/**
 * Port of diffusers v0.32.2 {@code models/unets/unet_3d_blocks.py} ({@code CrossAttnUpBlockSpatioTemporal}):
 * {@code num_layers} pairs of {@link SpatioTemporalResBlock} (on the hidden states concatenated with one skip
 * state) and {@link TransformerSpatioTemporalModel}, then an optional nearest up-sampler with a 3×3 conv. The UNet
 * does not pass {@code resnet_eps}, so the resnets use the block's default 1e-6.
 */
public final class CrossAttnUpBlockSpatioTemporal implements SpatioTemporalUpBlock {
  private final List<SpatioTemporalResBlock> resnets = new ArrayList<>();
  private final List<TransformerSpatioTemporalModel> attentions = new ArrayList<>();
  private final Upsample2D upsampler;

  public CrossAttnUpBlockSpatioTemporal(Weights w, int inChannels, int outChannels, int prevOutputChannel,
      int tembChannels, int numLayers, int transformerLayersPerBlock, double resnetEps, int numAttentionHeads,
      int crossAttentionDim, boolean addUpsample) {
    for (int i = 0; i < numLayers; i++) {
      int resSkipChannels = i == numLayers - 1 ? inChannels : outChannels;
      int resnetInChannels = i == 0 ? prevOutputChannel : outChannels;
      resnets.add(SpatioTemporalResBlock.unet(w.at("resnets").at(i), resnetInChannels + resSkipChannels,
          outChannels, tembChannels, resnetEps));
      attentions.add(new TransformerSpatioTemporalModel(w.at("attentions").at(i), numAttentionHeads,
          outChannels / numAttentionHeads, outChannels, transformerLayersPerBlock, crossAttentionDim));
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
      for (int i = 0; i < resnets.size(); i++) {
        NDArray resHiddenStates = resHiddenStatesTuple.get(next--); // pop the last skip state
        h = h.concat(resHiddenStates, 1); // (B*F, C + C_skip, H, W)
        h = resnets.get(i).forward(h, temb, imageOnlyIndicator);
        h = attentions.get(i).forward(h, encoderHiddenStates, imageOnlyIndicator);
      }
      return upsampler == null ? h : upsampler.forward(h, upsampleSize);
    });
  }
}
