package dev.vidgen.api;

/**
 * Receives an event after every denoising step, on the generating thread. Keep it quick; throwing from it
 * aborts the run (its native memory is freed).
 */
@FunctionalInterface
public interface ProgressListener {
  ProgressListener NONE = e -> {};

  void onStep(StepEvent event);
}
