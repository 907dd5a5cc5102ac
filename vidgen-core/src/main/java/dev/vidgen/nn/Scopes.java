package dev.vidgen.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDScope;
import java.util.function.Supplier;

/**
 * Nested native-memory scopes. DJL's {@link NDScope} registers every array created on the thread with the
 * innermost open scope and frees them all when it closes; but an array {@code unregister}ed from an inner scope
 * belongs to no scope at all. {@link #keep} closes everything a block created except its result, and hands the
 * result to the enclosing scope, so that a step scope around a whole UNet call still frees it. Every block's
 * {@code forward} runs its body through {@code keep}, which bounds peak memory to one block's temporaries.
 *
 * <p>Arrays created outside any scope (weights at load time) are never touched.
 *
 * <p>Closing is safe under DJL's autograd (training): closing a handle drops only the Java side's reference to the
 * torch tensor, while the autograd graph keeps its own references to what backward needs ({@code
 * ScopesAutogradTest} checks a Linear/GroupNorm/Attention composition against a numerical gradient). What is not
 * safe is a tensor over JVM memory (DJL's {@code create(float[])}, and the scalar behind {@code x.mul(2f)}) that
 * autograd saves after its Java wrapper is gone: the garbage collector frees the memory under it. Blocks therefore
 * scale by {@link Ops#scalar} tensors, and trainers keep their input arrays open until backward has run.
 */
public final class Scopes {
  private Scopes() {}

  /** Runs {@code body} in a fresh scope and returns its result, registered with the enclosing scope. */
  public static NDArray keep(Supplier<NDArray> body) {
    NDArray out;
    try (NDScope scope = new NDScope()) {
      out = body.get();
      NDScope.unregister(out);
    }
    NDScope.register(out);
    return out;
  }

  /**
   * Frees {@code current}, a temporary of the running block, now that {@code next} has been computed from it, and
   * returns {@code next}; {@code current} is left alone when it is the block's {@code input} (which the caller owns)
   * or {@code next} itself. Scopes free a block's temporaries when the block returns; in a chain of large
   * activations (a VAE decoder at full resolution: 0.5 GB per tensor for 16 frames of 256x256x128) freeing each one
   * as soon as it is consumed keeps two alive instead of all of them, as PyTorch's reference counting does. Safe
   * under autograd (see the class comment).
   */
  public static NDArray advance(NDArray current, NDArray next, NDArray input) {
    if (current != input && current != next) {
      current.close();
    }
    return next;
  }

  /** As {@link #keep}, for several results. */
  public static NDList keepAll(Supplier<NDList> body) {
    NDList out;
    try (NDScope scope = new NDScope()) {
      out = body.get();
      NDScope.unregister(out);
    }
    for (NDArray a : out) {
      NDScope.register(a);
    }
    return out;
  }
}
