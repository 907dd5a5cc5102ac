package dev.vidgen.models.autoencoders;

import ai.djl.ndarray.NDArray;
import dev.vidgen.nn.ResnetBlock2D;
import dev.vidgen.nn.Scopes;
import dev.vidgen.nn.Upsample2D;
import dev.vidgen.weights.Weights;
import java.util.ArrayList;
import java.util.List;

/**
 * Port of diffusers v0.32.2 {@code models/unets/unet_2d_blocks.py} ({@code UpDecoderBlock2D}) as the VAE decoder
 * builds it ({@code temb_channels=None}): {@code num_layers} resnets, then an optional nearest-2× up-sampler with a
 * 3×3 conv ({@code upsamplers.0}).
 */
public final class UpDecoderBlock2D {
  private final List<ResnetBlock2D> resnets;
  private final Upsample2D upsampler;

  public UpDecoderBlock2D(Weights w, int inChannels, int outChannels, int numLayers, double resnetEps,
      int resnetGroups, boolean addUpsample) {
    List<ResnetBlock2D> rs = new ArrayList<>();
    for (int i = 0; i < numLayers; i++) {
      int inputChannels = i == 0 ? inChannels : outChannels;
      rs.add(new ResnetBlock2D(w.at("resnets").at(i), ResnetBlock2D.Config.of(inputChannels, outChannels, null,
          resnetGroups, resnetEps)));
    }
    this.resnets = List.copyOf(rs);
    this.upsampler = addUpsample ? new Upsample2D(w.at("upsamplers").at(0), outChannels, outChannels, true) : null;
  }

  /** {@code [N, in, H, W] -> [N, out, 2H, 2W]} (or {@code [N, out, H, W]} without up-sampler). */
  public NDArray forward(NDArray hiddenStates) {
    return Scopes.keep(() -> {
      NDArray h = hiddenStates;
      for (ResnetBlock2D resnet : resnets) {
        h = Scopes.advance(h, resnet.forward(h, null), hiddenStates);
      }
      return upsampler == null ? h : Scopes.advance(h, upsampler.forward(h, null), hiddenStates);
    });
  }
}
