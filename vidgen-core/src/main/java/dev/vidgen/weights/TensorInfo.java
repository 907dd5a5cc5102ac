package dev.vidgen.weights;

import java.util.Arrays;

/**
 * One tensor's entry in a safetensors header.
 *
 * @param name the state-dict key
 * @param dtype element type
 * @param shape dimensions
 * @param begin first byte, relative to the start of the data section
 * @param end one past the last byte, relative to the start of the data section
 */
public record TensorInfo(String name, TensorDType dtype, long[] shape, long begin, long end) {
  public TensorInfo {
    shape = shape.clone();
  }

  @Override
  public long[] shape() {
    return shape.clone();
  }

  public long numel() {
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    return n;
  }

  public long byteLength() {
    return end - begin;
  }

  public String shapeString() {
    return Arrays.toString(shape).replace(" ", "");
  }
}
