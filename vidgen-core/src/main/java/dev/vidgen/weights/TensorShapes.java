package dev.vidgen.weights;

/** Shape formatting for messages: {@code [640,320,3,3]}. */
public final class TensorShapes {
  private TensorShapes() {}

  public static String str(long[] shape) {
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < shape.length; i++) {
      if (i > 0) {
        sb.append(',');
      }
      sb.append(shape[i]);
    }
    return sb.append(']').toString();
  }
}
