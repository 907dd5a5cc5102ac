package dev.vidgen.models.svd;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.vidgen.nn.Conv;
import dev.vidgen.nn.GroupNorm;
import dev.vidgen.nn.Ops;
import dev.vidgen.nn.Scopes;
import dev.vidgen.weights.Weights;
import java.util.ArrayList;
import java.util.List;

/**
 * Port of diffusers v0.32.2 {@code models/autoencoders/autoencoder_kl_temporal_decoder.py} ({@code
 * TemporalDecoder}): the SD VAE decoder with spatio-temporal resnets ({@link MidBlockTemporalDecoder}, {@link
 * UpBlockTemporalDecoder}) and a final (3, 1, 1) temporal convolution {@code time_conv_out} across the frames of
 * one decode call.
 */
public final class TemporalDecoder {
  private final Conv convIn;
  private final MidBlockTemporalDecoder midBlock;
  private final List<UpBlockTemporalDecoder> upBlocks = new ArrayList<>();
  private final GroupNorm convNormOut;
  private final Conv convOut;
  private final Conv timeConvOut;

  /**
   * @param inChannels latent channels
   * @param outChannels image channels
   * @param blockOutChannels {@code block_out_channels} of the VAE
   * @param layersPerBlock {@code layers_per_block} of the VAE
   */
  public TemporalDecoder(Weights w, int inChannels, int outChannels, int[] blockOutChannels, int layersPerBlock) {
    int last = blockOutChannels[blockOutChannels.length - 1];
    this.convIn = Conv.load2d(w.at("conv_in"), inChannels, last, 3, 1, 1);
    this.midBlock = new MidBlockTemporalDecoder(w.at("mid_block"), last, last, last, layersPerBlock);
    int outputChannel = last;
    for (int i = 0; i < blockOutChannels.length; i++) {
      int prevOutputChannel = outputChannel;
      outputChannel = blockOutChannels[blockOutChannels.length - 1 - i]; // reversed_block_out_channels[i]
      boolean isFinalBlock = i == blockOutChannels.length - 1;
      upBlocks.add(new UpBlockTemporalDecoder(w.at("up_blocks").at(i), prevOutputChannel, outputChannel,
          layersPerBlock + 1, !isFinalBlock));
    }
    this.convNormOut = GroupNorm.load(w.at("conv_norm_out"), 32, blockOutChannels[0], 1e-6);
    this.convOut = Conv.load2d(w.at("conv_out"), blockOutChannels[0], outChannels, 3, 1, 1);
    this.timeConvOut = Conv.load(w.at("time_conv_out"), outChannels, outChannels, new long[] {3, 1, 1},
        new long[] {1, 1, 1}, new long[] {1, 0, 0}, true);
  }

  /**
   * @param sample {@code [B*F, latent_channels, h, w]}
   * @param imageOnlyIndicator {@code [B, F]}
   * @param numFrames frames per batch entry in this call
   * @return {@code [B*F, out_channels, H, W]}
   */
  public NDArray forward(NDArray sample, NDArray imageOnlyIndicator, int numFrames) {
    return Scopes.keep(() -> {
      NDArray h = convIn.forward(sample);
      h = midBlock.forward(h, imageOnlyIndicator);
      for (UpBlockTemporalDecoder upBlock : upBlocks) {
        h = upBlock.forward(h, imageOnlyIndicator);
      }
      h = convOut.forward(Ops.silu(convNormOut.forward(h)));
      Shape s = h.getShape();
      long batchFrames = s.get(0);
      long channels = s.get(1);
      long height = s.get(2);
      long width = s.get(3);
      long batchSize = batchFrames / numFrames;
      // (B*F, C, H, W) -> (B, F, C, H, W) -> (B, C, F, H, W)
      h = h.reshape(batchSize, numFrames, channels, height, width).transpose(0, 2, 1, 3, 4);
      h = timeConvOut.forward(h);
      return h.transpose(0, 2, 1, 3, 4).reshape(batchFrames, channels, height, width); // (B*F, C, H, W)
    });
  }
}
