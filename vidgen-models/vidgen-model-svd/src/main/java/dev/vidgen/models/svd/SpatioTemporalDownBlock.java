package dev.vidgen.models.svd;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;

/**
 * A down block of {@link UNetSpatioTemporalConditionModel} ({@link CrossAttnDownBlockSpatioTemporal} or {@link
 * DownBlockSpatioTemporal}): replaces diffusers' {@code has_cross_attention} probing with one typed call.
 */
public interface SpatioTemporalDownBlock {
  /**
   * @param hiddenStates {@code [B*F, C, H, W]}
   * @param temb {@code [B*F, temb_channels]}
   * @param encoderHiddenStates {@code [B*F, S, cross_attention_dim]} (ignored by blocks without attention)
   * @param imageOnlyIndicator {@code [B, F]}
   * @return the skip states in order; the last one is the block's output hidden states
   */
  NDList forward(NDArray hiddenStates, NDArray temb, NDArray encoderHiddenStates, NDArray imageOnlyIndicator);
}
