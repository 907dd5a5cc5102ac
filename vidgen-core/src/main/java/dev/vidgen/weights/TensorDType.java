package dev.vidgen.weights;

import ai.djl.ndarray.types.DataType;
import java.util.Locale;

/** The element types a safetensors header may name, with their byte sizes and DJL equivalents. */
public enum TensorDType {
  F64(8, DataType.FLOAT64),
  F32(4, DataType.FLOAT32),
  F16(2, DataType.FLOAT16),
  BF16(2, DataType.BFLOAT16),
  I64(8, DataType.INT64),
  I32(4, DataType.INT32),
  I16(2, DataType.INT16),
  I8(1, DataType.INT8),
  U8(1, DataType.UINT8),
  BOOL(1, DataType.BOOLEAN);

  private final int byteSize;
  private final DataType djl;

  TensorDType(int byteSize, DataType djl) {
    this.byteSize = byteSize;
    this.djl = djl;
  }

  public int byteSize() {
    return byteSize;
  }

  public DataType djl() {
    return djl;
  }

  public boolean isFloatingPoint() {
    return this == F64 || this == F32 || this == F16 || this == BF16;
  }

  /** Parses a safetensors dtype name; null when unknown. */
  public static TensorDType parse(String name) {
    try {
      return valueOf(name.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      return null;
    }
  }
}
