package dev.vidgen.weights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.vidgen.api.WeightsException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Turns a tensor's little-endian bytes on the host into an engine array that owns its memory. Shared by every weight
 * reader (safetensors, PyTorch checkpoints), so all of them convert dtypes and copy the same way.
 */
final class HostBytes {
  private HostBytes() {}

  /**
   * @param bytes exactly {@code numel × dtype size} bytes, little-endian (a file mapping or a heap/direct buffer)
   * @param target the dtype floating-point tensors are converted to; integer tensors keep their own
   */
  static NDArray toEngine(ByteBuffer bytes, TensorDType stored, long[] shape, NDManager manager, DataType target) {
    Shape s = new Shape(shape);
    DataType wanted = stored.isFloatingPoint() ? target : stored.djl();
    if (s.size() == 0) {
      return manager.zeros(s, wanted);
    }
    ByteBuffer data = bytes.order(ByteOrder.LITTLE_ENDIAN);
    DataType storedType = stored.djl();
    if (stored == TensorDType.BF16) {
      // DJL 0.36's JNI aborts the JVM when it wraps a BF16 buffer, so widen on the host: a bfloat16 is the upper
      // half of a float32, so the conversion is exact.
      data = widenBf16(data, s.size());
      storedType = DataType.FLOAT32;
    }
    // The view is wrapped without a copy, then copied once into engine-owned memory, so no native array ever points
    // into a file mapping. DJL's toType(same dtype, copy=true) calls torch's to() without copy=True and so returns an
    // alias of the mapping (a segfault once the mapping is released): same-dtype tensors are therefore cloned with
    // duplicate().
    try (NDManager tmp = manager.newSubManager()) {
      NDArray view = tmp.create(data, s, storedType);
      NDArray owned = view.getDataType() == wanted ? view.duplicate() : view.toType(wanted, true);
      owned.attach(manager);
      return owned;
    }
  }

  private static ByteBuffer widenBf16(ByteBuffer src, long numel) {
    if (numel * 4 > Integer.MAX_VALUE) {
      throw new WeightsException("bfloat16 tensor of " + numel + " elements is too large to widen on the host");
    }
    ByteBuffer out = ByteBuffer.allocateDirect((int) (numel * 4)).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < numel; i++) {
      out.putInt(4 * i, (src.getShort(2 * i) & 0xffff) << 16);
    }
    return out;
  }
}
