package dev.vidgen.pipeline;

import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDScope;
import dev.vidgen.api.EngineFailureException;
import dev.vidgen.api.GenerationRequest;
import dev.vidgen.api.StepEvent;
import java.time.Duration;

/**
 * The denoising loop's skeleton, shared by every family: one native-memory scope per step, exactly one latent
 * alive between steps, the progress event and the cancellation check after each step, and engine failures
 * wrapped with the step number. The family supplies the body of one step.
 */
public final class Denoising {
  private Denoising() {}

  /** One denoising step: from the current latents to the next. Runs inside the step's scope. */
  @FunctionalInterface
  public interface Step {
    NDArray apply(int stepIndex, NDArray latents);
  }

  /**
   * Runs {@code steps} steps. Takes ownership of {@code latents} (closed once replaced) and returns the final
   * latents, which the caller owns.
   *
   * @param startNanos {@link System#nanoTime()} at the start of the run, for the elapsed time in events
   * @param component the denoiser's class name, for error messages
   */
  public static NDArray run(NDArray latents, int steps, Step step, GenerationRequest request, long startNanos,
      String component) {
    NDArray current = latents;
    for (int i = 0; i < steps; i++) {
      NDArray next;
      try (NDScope scope = new NDScope()) { // catches every array made on this thread during the step
        next = step.apply(i, current);
        NDScope.unregister(next);
      } catch (EngineException e) {
        current.close();
        throw new EngineFailureException("libtorch failed while running " + component + " at step " + (i + 1) + "/"
            + steps + ": " + e.getMessage(), e);
      } catch (RuntimeException e) {
        current.close();
        throw e;
      }
      current.close();
      current = next;
      request.listener().onStep(new StepEvent(i + 1, steps, Duration.ofNanos(System.nanoTime() - startNanos)));
      if (request.cancellation().isCancelled()) {
        current.close();
        request.cancellation().throwIfCancelled("after step " + (i + 1) + "/" + steps);
      }
    }
    return current;
  }

  /**
   * Classifier-free guidance on a batch whose first half is unconditional: {@code u + g·(c − u)}.
   *
   * @param noisePred {@code [2B, ...]}, rows {@code [0, B)} unconditional
   */
  public static NDArray guide(NDArray noisePred, double guidanceScale) {
    NDList parts = noisePred.split(2, 0);
    NDArray uncond = parts.get(0);
    NDArray text = parts.get(1);
    return uncond.add(text.sub(uncond).mul((float) guidanceScale));
  }
}
