package dev.vidgen.models.modelscope;

import ai.djl.ndarray.NDArray;
import dev.vidgen.nn.ResnetBlock2D;
import dev.vidgen.nn.Scopes;
import dev.vidgen.nn.Upsample2D;
import dev.vidgen.weights.Weights;
import java.util.ArrayList;
import java.util.List;

/**
 * Port of diffusers v0.32.2 {@code models/unets/unet_3d_blocks.py} ({@code UpBlock3D}): {@code num_layers} ×
 * (concatenate the next skip connection on channels → ResnetBlock2D → TemporalConvLayer), then an optional nearest
 * 2× up-sampling with a conv ({@code upsamplers.0}). FreeU is not ported (off by default).
 */
public final class UpBlock3D implements UNet3DConditionModel.UpBlock {
  private final List<ResnetBlock2D> resnets = new ArrayList<>();
  private final List<TemporalConvLayer> tempConvs = new ArrayList<>();
  private final Upsample2D upsampler;

  public UpBlock3D(Weights w, UNet3DConditionModel.BlockArgs a) {
    int out = a.outChannels();
    for (int i = 0; i < a.numLayers(); i++) {
      int resSkipChannels = i == a.numLayers() - 1 ? a.inChannels() : out;
      int resnetInChannels = i == 0 ? a.prevOutputChannel() : out;
      resnets.add(new ResnetBlock2D(w.at("resnets").at(i), a.resnet(resnetInChannels + resSkipChannels, out)));
      tempConvs.add(new TemporalConvLayer(w.at("temp_convs").at(i), out, out, a.resnetGroups()));
    }
    this.upsampler = a.addSample() ? new Upsample2D(w.at("upsamplers").at(0), out, out, true) : null;
  }

  @Override
  public int numResnets() {
    return resnets.size();
  }

  /** {@code encoderHiddenStates} is not used (the block has no attention). */
  @Override
  public NDArray forward(NDArray hidden, List<NDArray> resHiddenStates, NDArray temb, NDArray encoderHiddenStates,
      long[] upsampleSize, int numFrames) {
    return Scopes.keep(() -> {
      NDArray h = hidden;
      for (int i = 0; i < resnets.size(); i++) {
        // pop res hidden states: the last skip connection pairs with the first resnet
        NDArray res = resHiddenStates.get(resHiddenStates.size() - 1 - i);
        h = h.concat(res, 1); // (B*F, C + C_skip, h, w)
        h = resnets.get(i).forward(h, temb);
        h = tempConvs.get(i).forward(h, numFrames);
      }
      if (upsampler != null) {
        h = upsampler.forward(h, upsampleSize);
      }
      return h == hidden ? hidden.duplicate() : h;
    });
  }
}
