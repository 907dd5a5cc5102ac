package dev.vidgen.spi;

import ai.djl.ndarray.NDArray;

/** Token ids to prompt embeddings ({@code [B, L, hidden]}); the result is created in the ids' manager. */
public interface TextEncoder {
  /**
   * @param inputIds {@code [B, L]} int64
   * @param attentionMask {@code [B, L]} (1 = token, 0 = padding), or null for encoders that ignore it (CLIP)
   */
  NDArray encode(NDArray inputIds, NDArray attentionMask);
}
