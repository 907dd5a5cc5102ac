package dev.vidgen.schedulers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;

/**
 * One scheduler call in its own {@link NDScope}: every array made inside is freed on {@link #close()}, except the
 * {@link #result} (handed on to the caller's scope, if any, so that the caller's per-step scope owns it as if it
 * had made it) and arrays {@link #keep kept} as solver history (owned by the run). Both end up in the manager of the
 * sample, as the {@link SchedulerRun} contract says.
 */
final class StepScope implements AutoCloseable {
  private final NDScope scope = new NDScope();
  private final NDManager manager;
  private NDArray result;

  StepScope(NDArray sample) {
    this.manager = sample.getManager();
  }

  /** Keeps {@code array} alive past this call (solver history); the caller closes it. */
  NDArray keep(NDArray array) {
    NDScope.unregister(array);
    if (array.getManager() != manager) {
      array.attach(manager);
    }
    return array;
  }

  /** Marks the value returned to the caller. */
  NDArray result(NDArray array) {
    result = keep(array);
    return array;
  }

  @Override
  public void close() {
    scope.close();
    if (result != null) {
      NDScope.register(result); // now the caller's innermost scope, if it has one
    }
  }
}
