package dev.vidgen.spi;

import ai.djl.ndarray.NDArray;

/** Latents (already divided by the VAE's scaling factor) to pixels in about [-1, 1]. */
public interface LatentDecoder {
  /**
   * @param latents the decoder's latent layout ({@code [N, C, h, w]} for per-frame VAEs)
   * @param chunkSize frames decoded at once (bounds peak memory; the result does not depend on it)
   */
  NDArray decode(NDArray latents, int chunkSize);
}
