package dev.vidgen.models.svd;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.vidgen.nn.ResnetBlock2D;
import dev.vidgen.nn.Scopes;
import dev.vidgen.weights.Weights;

/**
 * Port of diffusers v0.32.2 {@code models/resnet.py} ({@code SpatioTemporalResBlock}, "VideoResBlock"): a 2-D
 * {@code ResnetBlock2D} on every frame ({@code spatial_res_block}), a {@link TemporalResnetBlock} across frames
 * ({@code temporal_res_block}) and an {@link AlphaBlender} ({@code time_mixer}) mixing the two. Works on
 * {@code [B*F, C, H, W]}.
 */
public final class SpatioTemporalResBlock {
  private final ResnetBlock2D spatialResBlock;
  private final TemporalResnetBlock temporalResBlock;
  private final AlphaBlender timeMixer;

  /**
   * @param tembChannels time-embedding channels, or null (the temporal VAE decoder)
   * @param eps spatial resnet epsilon
   * @param temporalEps temporal resnet epsilon, or null for {@code eps}
   * @param mergeStrategy {@code time_mixer} strategy ({@code learned_with_images} in the UNet, {@code learned} in
   *     the VAE decoder)
   * @param switchSpatialToTemporalMix flip the mixing weight (the VAE decoder)
   */
  public SpatioTemporalResBlock(Weights w, int inChannels, Integer outChannels, Integer tembChannels, double eps,
      Double temporalEps, AlphaBlender.MergeStrategy mergeStrategy, boolean switchSpatialToTemporalMix) {
    int out = outChannels == null ? inChannels : outChannels;
    this.spatialResBlock = new ResnetBlock2D(w.at("spatial_res_block"),
        ResnetBlock2D.Config.of(inChannels, out, tembChannels, 32, eps));
    this.temporalResBlock = new TemporalResnetBlock(w.at("temporal_res_block"), out, out, tembChannels,
        temporalEps == null ? eps : temporalEps);
    this.timeMixer = new AlphaBlender(w.at("time_mixer"), mergeStrategy, switchSpatialToTemporalMix);
  }

  /** The UNet's configuration: time embedding, {@code learned_with_images}, no switch. */
  public static SpatioTemporalResBlock unet(Weights w, int inChannels, int outChannels, int tembChannels,
      double eps) {
    return new SpatioTemporalResBlock(w, inChannels, outChannels, tembChannels, eps, null,
        AlphaBlender.MergeStrategy.LEARNED_WITH_IMAGES, false);
  }

  /**
   * The temporal VAE decoder's configuration: no time embedding, eps 1e-6, temporal eps 1e-5, {@code learned}
   * mixing (merge_factor 0) with the switch.
   */
  public static SpatioTemporalResBlock decoder(Weights w, int inChannels, int outChannels) {
    return new SpatioTemporalResBlock(w, inChannels, outChannels, null, 1e-6, 1e-5,
        AlphaBlender.MergeStrategy.LEARNED, true);
  }

  /**
   * @param hiddenStates {@code [B*F, C, H, W]}
   * @param temb {@code [B*F, temb_channels]} or null
   * @param imageOnlyIndicator {@code [B, F]}
   * @return {@code [B*F, C_out, H, W]}
   */
  public NDArray forward(NDArray hiddenStates, NDArray temb, NDArray imageOnlyIndicator) {
    return Scopes.keep(() -> {
      long numFrames = imageOnlyIndicator.getShape().get(imageOnlyIndicator.getShape().dimension() - 1);
      NDArray h = spatialResBlock.forward(hiddenStates, temb);
      Shape s = h.getShape();
      long batchFrames = s.get(0);
      long channels = s.get(1);
      long height = s.get(2);
      long width = s.get(3);
      long batchSize = batchFrames / numFrames;
      // (B*F, C, H, W) -> (B, F, C, H, W) -> (B, C, F, H, W)
      NDArray hiddenStatesMix = h.reshape(batchSize, numFrames, channels, height, width).transpose(0, 2, 1, 3, 4);
      NDArray h5 = hiddenStatesMix;
      NDArray t = temb == null ? null : temb.reshape(batchSize, numFrames, -1); // (B, F, temb)
      h5 = temporalResBlock.forward(h5, t);
      h5 = timeMixer.forward(hiddenStatesMix, h5, imageOnlyIndicator);
      return h5.transpose(0, 2, 1, 3, 4).reshape(batchFrames, channels, height, width); // (B*F, C, H, W)
    });
  }
}
