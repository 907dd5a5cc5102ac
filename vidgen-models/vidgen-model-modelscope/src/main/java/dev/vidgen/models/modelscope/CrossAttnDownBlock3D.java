package dev.vidgen.models.modelscope;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import dev.vidgen.nn.Downsample2D;
import dev.vidgen.nn.ResnetBlock2D;
import dev.vidgen.nn.Scopes;
import dev.vidgen.nn.Transformer2DModel;
import dev.vidgen.weights.Weights;
import java.util.ArrayList;
import java.util.List;

/**
 * Port of diffusers v0.32.2 {@code models/unets/unet_3d_blocks.py} ({@code CrossAttnDownBlock3D}): {@code
 * num_layers} × (ResnetBlock2D → TemporalConvLayer → Transformer2DModel (cross-attention to the text) →
 * TransformerTemporalModel), then an optional stride-2 conv ({@code downsamplers.0}). Every layer's output is a
 * skip connection for the up path.
 */
public final class CrossAttnDownBlock3D implements UNet3DConditionModel.DownBlock {
  private final List<ResnetBlock2D> resnets = new ArrayList<>();
  private final List<TemporalConvLayer> tempConvs = new ArrayList<>();
  private final List<Transformer2DModel> attentions = new ArrayList<>();
  private final List<TransformerTemporalModel> tempAttentions = new ArrayList<>();
  private final Downsample2D downsampler;

  public CrossAttnDownBlock3D(Weights w, UNet3DConditionModel.BlockArgs a) {
    int out = a.outChannels();
    // diffusers passes num_attention_heads (the config's attention_head_dim) as the head dimension
    int heads = out / a.numAttentionHeads();
    int headDim = a.numAttentionHeads();
    for (int i = 0; i < a.numLayers(); i++) {
      int in = i == 0 ? a.inChannels() : out;
      resnets.add(new ResnetBlock2D(w.at("resnets").at(i), a.resnet(in, out)));
      tempConvs.add(new TemporalConvLayer(w.at("temp_convs").at(i), out, out, a.resnetGroups()));
      attentions.add(new Transformer2DModel(w.at("attentions").at(i), Transformer2DModel.Config.of(heads, headDim,
          out, 1, a.crossAttentionDim(), a.resnetGroups(), a.useLinearProjection())));
      tempAttentions.add(new TransformerTemporalModel(w.at("temp_attentions").at(i), TransformerTemporalModel.Config
          .of(heads, headDim, out, 1, a.resnetGroups(), a.crossAttentionDim())));
    }
    this.downsampler = a.addSample()
        ? new Downsample2D(w.at("downsamplers").at(0), out, out, true, a.downsamplePadding()) : null;
  }

  @Override
  public NDList forward(NDArray hidden, NDArray temb, NDArray encoderHiddenStates, int numFrames) {
    return Scopes.keepAll(() -> {
      NDList outputStates = new NDList();
      NDArray h = hidden;
      for (int i = 0; i < resnets.size(); i++) {
        h = resnets.get(i).forward(h, temb);
        h = tempConvs.get(i).forward(h, numFrames);
        h = attentions.get(i).forward(h, encoderHiddenStates);
        h = tempAttentions.get(i).forward(h, numFrames);
        outputStates.add(h);
      }
      if (downsampler != null) {
        h = downsampler.forward(h);
        outputStates.add(h);
      }
      // (hidden_states, *output_states); with no layers and no downsampler the block is the identity
      outputStates.add(0, h == hidden ? hidden.duplicate() : h);
      return outputStates;
    });
  }
}
