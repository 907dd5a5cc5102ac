package dev.vidgen.models.svd;

import ai.djl.ndarray.NDArray;
import java.util.List;

/**
 * An up block of {@link UNetSpatioTemporalConditionModel} ({@link CrossAttnUpBlockSpatioTemporal} or {@link
 * UpBlockSpatioTemporal}): replaces diffusers' {@code has_cross_attention} probing with one typed call.
 */
public interface SpatioTemporalUpBlock {
  /** Number of resnets = number of skip states this block consumes. */
  int numResnets();

  /**
   * @param hiddenStates {@code [B*F, C, H, W]}
   * @param resHiddenStatesTuple this block's skip states, in the order the down path produced them (the last one
   *     is consumed first)
   * @param temb {@code [B*F, temb_channels]}
   * @param encoderHiddenStates {@code [B*F, S, cross_attention_dim]} (ignored by blocks without attention)
   * @param imageOnlyIndicator {@code [B, F]}
   * @param upsampleSize {@code {H, W}} to force the up-sampler's output size, or null for 2×
   */
  NDArray forward(NDArray hiddenStates, List<NDArray> resHiddenStatesTuple, NDArray temb,
      NDArray encoderHiddenStates, NDArray imageOnlyIndicator, long[] upsampleSize);
}
