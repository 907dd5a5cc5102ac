package dev.vidgen.noise;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * Where a generation's random numbers come from: the initial latents, and the noise some schedulers add inside
 * {@code step()} (DDIM with eta &gt; 0, ancestral samplers). One source per generation, seeded explicitly.
 */
public interface NoiseSource {
  /** Standard normal float32 noise of {@code shape}, created in {@code manager}. */
  NDArray randn(NDManager manager, Shape shape);
}
