package dev.vidgen.models.modelscope;

import ai.djl.ndarray.NDArray;
import dev.vidgen.nn.ResnetBlock2D;
import dev.vidgen.nn.Scopes;
import dev.vidgen.nn.Transformer2DModel;
import dev.vidgen.weights.Weights;
import java.util.ArrayList;
import java.util.List;

/**
 * Port of diffusers v0.32.2 {@code models/unets/unet_3d_blocks.py} ({@code UNetMidBlock3DCrossAttn}): ResnetBlock2D
 * → TemporalConvLayer, then {@code num_layers} × (Transformer2DModel → TransformerTemporalModel → ResnetBlock2D →
 * TemporalConvLayer), all at one width.
 */
public final class UNetMidBlock3DCrossAttn {
  private final List<ResnetBlock2D> resnets = new ArrayList<>();
  private final List<TemporalConvLayer> tempConvs = new ArrayList<>();
  private final List<Transformer2DModel> attentions = new ArrayList<>();
  private final List<TransformerTemporalModel> tempAttentions = new ArrayList<>();

  /** {@code a.inChannels()} is the width; {@code a.numLayers()} the number of attention layers (diffusers: 1). */
  public UNetMidBlock3DCrossAttn(Weights w, UNet3DConditionModel.BlockArgs a) {
    int ch = a.inChannels();
    // diffusers passes num_attention_heads (the config's attention_head_dim) as the head dimension
    int heads = ch / a.numAttentionHeads();
    int headDim = a.numAttentionHeads();
    resnets.add(new ResnetBlock2D(w.at("resnets").at(0), a.resnet(ch, ch)));
    tempConvs.add(new TemporalConvLayer(w.at("temp_convs").at(0), ch, ch, a.resnetGroups()));
    for (int i = 0; i < a.numLayers(); i++) {
      attentions.add(new Transformer2DModel(w.at("attentions").at(i), Transformer2DModel.Config.of(heads, headDim,
          ch, 1, a.crossAttentionDim(), a.resnetGroups(), a.useLinearProjection())));
      tempAttentions.add(new TransformerTemporalModel(w.at("temp_attentions").at(i), TransformerTemporalModel.Config
          .of(heads, headDim, ch, 1, a.resnetGroups(), a.crossAttentionDim())));
      resnets.add(new ResnetBlock2D(w.at("resnets").at(i + 1), a.resnet(ch, ch)));
      tempConvs.add(new TemporalConvLayer(w.at("temp_convs").at(i + 1), ch, ch, a.resnetGroups()));
    }
  }

  /**
   * @param hidden {@code [B*F, C, h, w]}
   * @param temb {@code [B*F, temb_channels]}
   * @param encoderHiddenStates {@code [B*F, S, cross_attention_dim]}
   */
  public NDArray forward(NDArray hidden, NDArray temb, NDArray encoderHiddenStates, int numFrames) {
    return Scopes.keep(() -> {
      NDArray h = resnets.get(0).forward(hidden, temb);
      h = tempConvs.get(0).forward(h, numFrames);
      for (int i = 0; i < attentions.size(); i++) {
        h = attentions.get(i).forward(h, encoderHiddenStates);
        h = tempAttentions.get(i).forward(h, numFrames);
        h = resnets.get(i + 1).forward(h, temb);
        h = tempConvs.get(i + 1).forward(h, numFrames);
      }
      return h;
    });
  }
}
