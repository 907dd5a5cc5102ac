package dev.vidgen.api;

/** The floating-point type weights and activations use. Chosen once, at load. */
public enum Precision {
  /** Highest precision; the default, and the only sensible choice on CPU. */
  FLOAT32,
  /** Half precision, for GPUs. */
  FLOAT16,
  /** Brain float, for recent GPUs; recommended for DiT families such as LTX-Video. */
  BFLOAT16;

  public static Precision parse(String s) {
    return switch (s.toLowerCase(java.util.Locale.ROOT)) {
      case "float32", "fp32", "f32" -> FLOAT32;
      case "float16", "fp16", "f16", "half" -> FLOAT16;
      case "bfloat16", "bf16" -> BFLOAT16;
      default -> throw new IllegalArgumentException(
          "precision must be one of float32, float16, bfloat16 but was '" + s + "'");
    };
  }
}
