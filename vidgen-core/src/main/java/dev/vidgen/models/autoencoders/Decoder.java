package dev.vidgen.models.autoencoders;

import ai.djl.ndarray.NDArray;
import dev.vidgen.nn.Conv;
import dev.vidgen.nn.GroupNorm;
import dev.vidgen.nn.Ops;
import dev.vidgen.nn.Scopes;
import dev.vidgen.weights.Weights;
import java.util.ArrayList;
import java.util.List;

/**
 * Port of diffusers v0.32.2 {@code models/autoencoders/vae.py} ({@code Decoder}) with {@code norm_type="group"}:
 * {@code conv_in}, a {@link UNetMidBlock2D}, one {@link UpDecoderBlock2D} per level from the deepest (each with
 * {@code layers_per_block + 1} resnets, all but the last up-sampling), then group norm, SiLU and {@code conv_out}.
 */
public final class Decoder {
  private static final double EPS = 1e-6;

  private final Conv convIn;
  private final UNetMidBlock2D midBlock;
  private final List<UpDecoderBlock2D> upBlocks;
  private final GroupNorm convNormOut;
  private final Conv convOut;

  public Decoder(Weights w, AutoencoderKLConfig config) {
    int[] blockOutChannels = config.blockOutChannels();
    int groups = config.normNumGroups();
    int last = blockOutChannels[blockOutChannels.length - 1];
    this.convIn = Conv.load2d(w.at("conv_in"), config.latentChannels(), last, 3, 1, 1);
    this.midBlock = new UNetMidBlock2D(w.at("mid_block"), last, 1, EPS, groups, config.midBlockAddAttention(), last,
        1.0);
    List<UpDecoderBlock2D> blocks = new ArrayList<>();
    int outputChannel = blockOutChannels[blockOutChannels.length - 1]; // reversed_block_out_channels[0]
    for (int i = 0; i < config.upBlockTypes().size(); i++) {
      int prevOutputChannel = outputChannel;
      outputChannel = blockOutChannels[blockOutChannels.length - 1 - i]; // reversed_block_out_channels[i]
      boolean isFinalBlock = i == blockOutChannels.length - 1;
      blocks.add(new UpDecoderBlock2D(w.at("up_blocks").at(i).because("reversed block_out_channels[" + i + "]="
          + outputChannel + " in vae/config.json"), prevOutputChannel, outputChannel, config.layersPerBlock() + 1,
          EPS, groups, !isFinalBlock));
    }
    this.upBlocks = List.copyOf(blocks);
    this.convNormOut = GroupNorm.load(w.at("conv_norm_out"), groups, blockOutChannels[0], EPS);
    this.convOut = Conv.load2d(w.at("conv_out"), blockOutChannels[0], config.outChannels(), 3, 1, 1);
  }

  /** {@code [N, latent_channels, h, w] -> [N, out_channels, h * f, w * f]}. */
  public NDArray forward(NDArray sample) {
    return Scopes.keep(() -> {
      NDArray h = convIn.forward(sample);
      h = Scopes.advance(h, midBlock.forward(h), sample);
      for (UpDecoderBlock2D upBlock : upBlocks) {
        h = Scopes.advance(h, upBlock.forward(h), sample);
      }
      h = Scopes.advance(h, convNormOut.forward(h), sample);
      h = Scopes.advance(h, Ops.silu(h), sample);
      return Scopes.advance(h, convOut.forward(h), sample);
    });
  }
}
