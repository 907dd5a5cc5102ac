package dev.vidgen.api;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Cooperative cancellation: another thread calls {@link #cancel()}, the generating thread notices between two
 * denoising steps, frees the run's native memory and throws {@link GenerationCancelledException}.
 */
public final class CancellationToken {
  private final AtomicBoolean cancelled = new AtomicBoolean();

  public void cancel() {
    cancelled.set(true);
  }

  public boolean isCancelled() {
    return cancelled.get();
  }

  /** Throws {@link GenerationCancelledException} if cancelled; {@code where} says at which point. */
  public void throwIfCancelled(String where) {
    if (cancelled.get()) {
      throw new GenerationCancelledException("generation cancelled " + where);
    }
  }
}
