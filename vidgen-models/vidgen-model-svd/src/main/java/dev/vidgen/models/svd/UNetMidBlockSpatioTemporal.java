package dev.vidgen.models.svd;

import ai.djl.ndarray.NDArray;
import dev.vidgen.nn.Scopes;
import dev.vidgen.weights.Weights;
import java.util.ArrayList;
import java.util.List;

/**
 * Port of diffusers v0.32.2 {@code models/unets/unet_3d_blocks.py} ({@code UNetMidBlockSpatioTemporal}): a {@link
 * SpatioTemporalResBlock}, then {@code num_layers} pairs of {@link TransformerSpatioTemporalModel} and {@link
 * SpatioTemporalResBlock} (eps 1e-5).
 */
public final class UNetMidBlockSpatioTemporal {
  private final List<SpatioTemporalResBlock> resnets = new ArrayList<>();
  private final List<TransformerSpatioTemporalModel> attentions = new ArrayList<>();

  public UNetMidBlockSpatioTemporal(Weights w, int inChannels, int tembChannels, int numLayers,
      int transformerLayersPerBlock, int numAttentionHeads, int crossAttentionDim) {
    resnets.add(SpatioTemporalResBlock.unet(w.at("resnets").at(0), inChannels, inChannels, tembChannels, 1e-5));
    for (int i = 0; i < numLayers; i++) {
      attentions.add(new TransformerSpatioTemporalModel(w.at("attentions").at(i), numAttentionHeads,
          inChannels / numAttentionHeads, inChannels, transformerLayersPerBlock, crossAttentionDim));
      resnets.add(SpatioTemporalResBlock.unet(w.at("resnets").at(i + 1), inChannels, inChannels, tembChannels,
          1e-5));
    }
  }

  /**
   * @param hiddenStates {@code [B*F, C, H, W]}
   * @param temb {@code [B*F, temb_channels]}
   * @param encoderHiddenStates {@code [B*F, S, cross_attention_dim]}
   * @param imageOnlyIndicator {@code [B, F]}
   */
  public NDArray forward(NDArray hiddenStates, NDArray temb, NDArray encoderHiddenStates,
      NDArray imageOnlyIndicator) {
    return Scopes.keep(() -> {
      NDArray h = resnets.get(0).forward(hiddenStates, temb, imageOnlyIndicator);
      for (int i = 0; i < attentions.size(); i++) {
        h = attentions.get(i).forward(h, encoderHiddenStates, imageOnlyIndicator);
        h = resnets.get(i + 1).forward(h, temb, imageOnlyIndicator);
      }
      return h;
    });
  }
}
