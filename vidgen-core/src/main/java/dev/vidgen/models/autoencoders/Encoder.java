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
 * Port of diffusers v0.32.2 {@code models/autoencoders/vae.py} ({@code Encoder}) as {@code AutoencoderKL} builds it
 * ({@code double_z=True}): {@code conv_in}, one {@link DownEncoderBlock2D} per level (all but the last
 * down-sample), a {@link UNetMidBlock2D}, then group norm, SiLU and {@code conv_out} to {@code 2 * latent_channels}
 * (mean and log-variance).
 */
public final class Encoder {
  private static final double EPS = 1e-6;

  private final Conv convIn;
  private final List<DownEncoderBlock2D> downBlocks;
  private final UNetMidBlock2D midBlock;
  private final GroupNorm convNormOut;
  private final Conv convOut;

  public Encoder(Weights w, AutoencoderKLConfig config) {
    int[] blockOutChannels = config.blockOutChannels();
    int groups = config.normNumGroups();
    this.convIn = Conv.load2d(w.at("conv_in"), config.inChannels(), blockOutChannels[0], 3, 1, 1);
    List<DownEncoderBlock2D> blocks = new ArrayList<>();
    int outputChannel = blockOutChannels[0];
    for (int i = 0; i < config.downBlockTypes().size(); i++) {
      int inputChannel = outputChannel;
      outputChannel = blockOutChannels[i];
      boolean isFinalBlock = i == blockOutChannels.length - 1;
      blocks.add(new DownEncoderBlock2D(w.at("down_blocks").at(i).because("block_out_channels[" + i + "]="
          + outputChannel + " in vae/config.json"), inputChannel, outputChannel, config.layersPerBlock(), EPS,
          groups, !isFinalBlock, 0));
    }
    this.downBlocks = List.copyOf(blocks);
    int last = blockOutChannels[blockOutChannels.length - 1];
    this.midBlock = new UNetMidBlock2D(w.at("mid_block"), last, 1, EPS, groups, config.midBlockAddAttention(), last,
        1.0);
    this.convNormOut = GroupNorm.load(w.at("conv_norm_out"), groups, last, EPS);
    this.convOut = Conv.load2d(w.at("conv_out"), last, 2L * config.latentChannels(), 3, 1, 1);
  }

  /** {@code [N, in_channels, H, W] -> [N, 2 * latent_channels, H / f, W / f]}. */
  public NDArray forward(NDArray sample) {
    return Scopes.keep(() -> {
      NDArray h = convIn.forward(sample);
      for (DownEncoderBlock2D downBlock : downBlocks) {
        h = downBlock.forward(h);
      }
      h = midBlock.forward(h);
      h = Ops.silu(convNormOut.forward(h));
      return convOut.forward(h);
    });
  }
}
