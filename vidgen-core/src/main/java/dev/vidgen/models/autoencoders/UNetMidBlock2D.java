package dev.vidgen.models.autoencoders;

import ai.djl.ndarray.NDArray;
import dev.vidgen.nn.Attention;
import dev.vidgen.nn.ResnetBlock2D;
import dev.vidgen.nn.Scopes;
import dev.vidgen.weights.Weights;
import java.util.ArrayList;
import java.util.List;

/**
 * Port of diffusers v0.32.2 {@code models/unets/unet_2d_blocks.py} ({@code UNetMidBlock2D}) for {@code
 * resnet_time_scale_shift="default"} without time embedding (the VAE's mid-block): {@code resnets.0}, then per layer
 * an optional single-head spatial self-attention ({@code attentions.i}: group norm on the input, residual, output
 * rescale) and {@code resnets.i+1}.
 */
public final class UNetMidBlock2D {
  private final ResnetBlock2D firstResnet;
  private final List<Attention> attentions;
  private final List<ResnetBlock2D> resnets;

  /**
   * @param inChannels channels in and out
   * @param numLayers attention + resnet pairs after the first resnet (1 in the VAE)
   * @param resnetEps epsilon of the resnets' and the attention's group norms
   * @param resnetGroups groups of the resnets' group norms (and of the attention's, {@code attn_groups=None})
   * @param addAttention whether the attentions exist ({@code mid_block_add_attention})
   * @param attentionHeadDim channels per head ({@code heads = in_channels / attention_head_dim})
   * @param outputScaleFactor divides resnet and attention outputs
   */
  public UNetMidBlock2D(Weights w, int inChannels, int numLayers, double resnetEps, int resnetGroups,
      boolean addAttention, int attentionHeadDim, double outputScaleFactor) {
    ResnetBlock2D.Config resnetConfig = new ResnetBlock2D.Config(inChannels, inChannels, null, resnetGroups, null,
        resnetEps, false, outputScaleFactor, null);
    this.firstResnet = new ResnetBlock2D(w.at("resnets").at(0), resnetConfig);
    List<Attention> attns = new ArrayList<>();
    List<ResnetBlock2D> rs = new ArrayList<>();
    for (int i = 0; i < numLayers; i++) {
      if (addAttention) {
        Attention.Config attnConfig = new Attention.Config(inChannels, inChannels, inChannels / attentionHeadDim,
            attentionHeadDim, true, true, inChannels, Attention.QkNorm.NONE, resnetEps, resnetGroups, true,
            outputScaleFactor);
        attns.add(new Attention(w.at("attentions").at(i), attnConfig));
      } else {
        attns.add(null);
      }
      rs.add(new ResnetBlock2D(w.at("resnets").at(i + 1), resnetConfig));
    }
    this.attentions = java.util.Collections.unmodifiableList(attns);
    this.resnets = List.copyOf(rs);
  }

  /** {@code [N, C, H, W] -> [N, C, H, W]}. */
  public NDArray forward(NDArray hiddenStates) {
    return Scopes.keep(() -> {
      NDArray h = firstResnet.forward(hiddenStates, null);
      for (int i = 0; i < resnets.size(); i++) {
        Attention attn = attentions.get(i);
        if (attn != null) {
          h = Scopes.advance(h, attn.forward(h), hiddenStates);
        }
        h = Scopes.advance(h, resnets.get(i).forward(h, null), hiddenStates);
      }
      return h;
    });
  }
}
