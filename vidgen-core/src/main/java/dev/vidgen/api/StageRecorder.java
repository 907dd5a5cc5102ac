package dev.vidgen.api;

/**
 * Receives host copies of a run's intermediate tensors under the names diffusers' reference fixtures use
 * ({@code prompt.input_ids}, {@code text.prompt_embeds}, {@code unet.step0.output}, {@code latents.after_step0},
 * {@code vae.decoded}, {@code video.frames}, ...). Used by {@code vidgen check} and the parity tests; when no
 * recorder is installed nothing is copied.
 */
@FunctionalInterface
public interface StageRecorder {
  StageRecorder NONE = (name, value) -> {};

  void record(String stage, HostTensor value);

  default boolean isActive() {
    return this != NONE;
  }
}
