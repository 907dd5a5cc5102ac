package dev.vidgen.spi;

import ai.djl.ndarray.NDArray;

/** Preprocessed pixels ({@code [B, 3, H, W]}) to image embeddings (e.g. CLIP vision with projection). */
public interface ImageEncoder {
  NDArray encode(NDArray pixels);
}
