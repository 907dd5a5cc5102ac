package dev.vidgen.spi;

import ai.djl.ndarray.NDArray;

/**
 * A family's denoising network (UNet or DiT). Its input is a family-specific record of named tensors — an explicit
 * interface instead of diffusers' signature probing — and its output the model prediction (noise, velocity or
 * sample, per the scheduler's {@code prediction_type}).
 *
 * @param <I> the family's input record
 */
public interface Denoiser<I> {
  NDArray predict(I input);
}
