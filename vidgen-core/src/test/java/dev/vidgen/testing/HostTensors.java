package dev.vidgen.testing;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.vidgen.api.HostTensor;

/** Conversions between engine arrays and host tensors for tests. */
public final class HostTensors {
  private HostTensors() {}

  /** A float32 host copy of {@code a}. */
  public static HostTensor of(NDArray a) {
    try (NDArray f = a.toType(DataType.FLOAT32, true)) {
      return new HostTensor(a.getShape().getShape(), f.toFloatArray());
    }
  }

  /** A float32 engine array holding {@code t}. */
  public static NDArray toNd(NDManager m, HostTensor t) {
    return m.create(t.data(), new Shape(t.shape()));
  }

  /** An int64 engine array holding the (integral) values of {@code t}. */
  public static NDArray toLongNd(NDManager m, HostTensor t) {
    long[] v = new long[t.data().length];
    for (int i = 0; i < v.length; i++) {
      v[i] = (long) t.data()[i];
    }
    return m.create(v, new Shape(t.shape()));
  }
}
