package dev.vidgen.models.autoencoders;

import ai.djl.ndarray.NDArray;
import dev.vidgen.nn.Downsample2D;
import dev.vidgen.nn.ResnetBlock2D;
import dev.vidgen.nn.Scopes;
import dev.vidgen.weights.Weights;
import java.util.ArrayList;
import java.util.List;

/**
 * Port of diffusers v0.32.2 {@code models/unets/unet_2d_blocks.py} ({@code DownEncoderBlock2D}): {@code num_layers}
 * resnets without time embedding, then an optional stride-2 conv down-sampler ({@code downsamplers.0}).
 */
public final class DownEncoderBlock2D {
  private final List<ResnetBlock2D> resnets;
  private final Downsample2D downsampler;

  /**
   * @param inChannels channels entering the first resnet
   * @param outChannels channels of every resnet output
   * @param numLayers resnets in the block
   * @param resnetEps group-norm epsilon
   * @param resnetGroups group-norm groups
   * @param addDownsample whether a down-sampler follows
   * @param downsamplePadding the down-sampler conv's padding (0 in the VAE encoder: pad right/bottom by one instead)
   */
  public DownEncoderBlock2D(Weights w, int inChannels, int outChannels, int numLayers, double resnetEps,
      int resnetGroups, boolean addDownsample, int downsamplePadding) {
    List<ResnetBlock2D> rs = new ArrayList<>();
    for (int i = 0; i < numLayers; i++) {
      int in = i == 0 ? inChannels : outChannels;
      rs.add(new ResnetBlock2D(w.at("resnets").at(i), ResnetBlock2D.Config.of(in, outChannels, null, resnetGroups,
          resnetEps)));
    }
    this.resnets = List.copyOf(rs);
    this.downsampler = addDownsample
        ? new Downsample2D(w.at("downsamplers").at(0), outChannels, outChannels, true, downsamplePadding) : null;
  }

  /** {@code [N, in, H, W] -> [N, out, H', W']} with {@code H' = H/2} (rounded down) when down-sampling. */
  public NDArray forward(NDArray hiddenStates) {
    return Scopes.keep(() -> {
      NDArray h = hiddenStates;
      for (ResnetBlock2D resnet : resnets) {
        h = resnet.forward(h, null);
      }
      return downsampler == null ? h : downsampler.forward(h);
    });
  }
}
