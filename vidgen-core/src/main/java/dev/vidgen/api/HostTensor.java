package dev.vidgen.api;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.Arrays;

/**
 * A float32 tensor on the Java heap: row-major data plus its shape. This is how tensors cross the public API
 * (initial latents in, recorded stages out); NDArrays never do.
 */
public record HostTensor(long[] shape, float[] data) {
  public HostTensor {
    checkArgument(shape != null && data != null, "shape and data must not be null");
    long n = 1;
    for (long d : shape) {
      checkArgument(d >= 0, "shape %s has a negative dimension", Arrays.toString(shape));
      n *= d;
    }
    checkArgument(n == data.length, "shape %s holds %s elements but data has %s", Arrays.toString(shape), n,
        data.length);
    shape = shape.clone();
  }

  public static HostTensor of(float[] data, long... shape) {
    return new HostTensor(shape, data);
  }

  @Override
  public long[] shape() {
    return shape.clone();
  }

  public int rank() {
    return shape.length;
  }

  public long dim(int i) {
    return shape[i];
  }

  public long size() {
    return data.length;
  }

  @Override
  public String toString() {
    return "HostTensor" + Arrays.toString(shape);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof HostTensor t && Arrays.equals(shape, t.shape) && Arrays.equals(data, t.data);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(shape) + Arrays.hashCode(data);
  }
}
