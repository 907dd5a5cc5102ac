package dev.vidgen.nn;

/**
 * Counts the floating-point operations of the heavy layers ({@link Conv}, {@link Linear}, the two matmuls of
 * {@link Ops#attention}) on the current thread while counting is on, from the actual shapes: a multiply-add is 2
 * FLOPs. Element-wise work (norms, activations) is not counted, as is customary for model FLOP figures. Used by the
 * benchmarks to report compute efficiency; off by default, and then it costs one thread-local read per layer.
 */
public final class FlopCounter {
  private static final ThreadLocal<long[]> COUNT = new ThreadLocal<>();

  private FlopCounter() {}

  /** Starts counting on this thread (resets the count). */
  public static void start() {
    COUNT.set(new long[1]);
  }

  /** Stops counting and returns the FLOPs counted since {@link #start()}. */
  public static long stop() {
    long[] c = COUNT.get();
    COUNT.remove();
    return c == null ? 0 : c[0];
  }

  static boolean counting() {
    return COUNT.get() != null;
  }

  static void add(long flops) {
    long[] c = COUNT.get();
    if (c != null) {
      c[0] += flops;
    }
  }
}
