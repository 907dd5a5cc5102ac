package dev.vidgen.models.modelscope;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import dev.vidgen.nn.Downsample2D;
import dev.vidgen.nn.ResnetBlock2D;
import dev.vidgen.nn.Scopes;
import dev.vidgen.weights.Weights;
import java.util.ArrayList;
import java.util.List;

/**
 * Port of diffusers v0.32.2 {@code models/unets/unet_3d_blocks.py} ({@code DownBlock3D}): {@code num_layers} ×
 * (ResnetBlock2D → TemporalConvLayer), then an optional stride-2 conv ({@code downsamplers.0}).
 */
public final class DownBlock3D implements UNet3DConditionModel.DownBlock {
  private final List<ResnetBlock2D> resnets = new ArrayList<>();
  private final List<TemporalConvLayer> tempConvs = new ArrayList<>();
  private final Downsample2D downsampler;

  public DownBlock3D(Weights w, UNet3DConditionModel.BlockArgs a) {
    int out = a.outChannels();
    for (int i = 0; i < a.numLayers(); i++) {
      int in = i == 0 ? a.inChannels() : out;
      resnets.add(new ResnetBlock2D(w.at("resnets").at(i), a.resnet(in, out)));
      tempConvs.add(new TemporalConvLayer(w.at("temp_convs").at(i), out, out, a.resnetGroups()));
    }
    this.downsampler = a.addSample()
        ? new Downsample2D(w.at("downsamplers").at(0), out, out, true, a.downsamplePadding()) : null;
  }

  /** {@code encoderHiddenStates} is not used (the block has no attention). */
  @Override
  public NDList forward(NDArray hidden, NDArray temb, NDArray encoderHiddenStates, int numFrames) {
    return Scopes.keepAll(() -> {
      NDList outputStates = new NDList();
      NDArray h = hidden;
      for (int i = 0; i < resnets.size(); i++) {
        h = resnets.get(i).forward(h, temb);
        h = tempConvs.get(i).forward(h, numFrames);
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
