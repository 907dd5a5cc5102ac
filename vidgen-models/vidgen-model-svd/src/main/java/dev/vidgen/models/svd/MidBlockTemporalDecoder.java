package dev.vidgen.models.svd;

import ai.djl.ndarray.NDArray;
import dev.vidgen.nn.Attention;
import dev.vidgen.nn.Scopes;
import dev.vidgen.weights.Weights;
import java.util.ArrayList;
import java.util.List;

/**
 * Port of diffusers v0.32.2 {@code models/unets/unet_3d_blocks.py} ({@code MidBlockTemporalDecoder}): {@code
 * num_layers} decoder-style {@link SpatioTemporalResBlock}s and one single-head spatial self-attention with a group
 * norm and a residual connection, run as {@code resnets[0]}, then {@code (attentions[i], resnets[i + 1])} pairs.
 * As in diffusers, the attention exists (and its weights are loaded) even when {@code num_layers == 1} leaves it
 * without a partner resnet and therefore unused.
 */
public final class MidBlockTemporalDecoder {
  private final List<SpatioTemporalResBlock> resnets = new ArrayList<>();
  private final List<Attention> attentions = new ArrayList<>();

  public MidBlockTemporalDecoder(Weights w, int inChannels, int outChannels, int attentionHeadDim, int numLayers) {
    for (int i = 0; i < numLayers; i++) {
      int inputChannels = i == 0 ? inChannels : outChannels;
      resnets.add(SpatioTemporalResBlock.decoder(w.at("resnets").at(i), inputChannels, outChannels));
    }
    // Attention(query_dim=in_channels, heads=in_channels // attention_head_dim, dim_head=attention_head_dim,
    //           eps=1e-6, norm_num_groups=32, bias=True, residual_connection=True)
    attentions.add(new Attention(w.at("attentions").at(0), new Attention.Config(inChannels, inChannels,
        inChannels / attentionHeadDim, attentionHeadDim, true, true, inChannels, Attention.QkNorm.NONE, 1e-6, 32,
        true, 1.0)));
  }

  /**
   * @param hiddenStates {@code [B*F, C, H, W]}
   * @param imageOnlyIndicator {@code [B, F]}
   */
  public NDArray forward(NDArray hiddenStates, NDArray imageOnlyIndicator) {
    return Scopes.keep(() -> {
      NDArray h = resnets.get(0).forward(hiddenStates, null, imageOnlyIndicator);
      for (int i = 0; i < Math.min(resnets.size() - 1, attentions.size()); i++) {
        h = attentions.get(i).forward(h);
        h = resnets.get(i + 1).forward(h, null, imageOnlyIndicator);
      }
      return h;
    });
  }
}
