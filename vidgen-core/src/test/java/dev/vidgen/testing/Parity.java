package dev.vidgen.testing;

import static org.junit.jupiter.api.Assertions.fail;

import dev.vidgen.api.HostTensor;
import dev.vidgen.check.Comparison;

/** Parity assertions with the report diffusers' {@code assert_tensors_close} would give, and more. */
public final class Parity {
  private Parity() {}

  /**
   * Fails unless {@code max|actual - expected| <= tol}; the message names the stage, the mismatched count, the
   * worst index with both values, and the tolerance.
   */
  public static void assertClose(String stage, HostTensor expected, HostTensor actual, double tol) {
    Comparison c = Comparison.of(stage, expected, actual, tol);
    if (!c.passed()) {
      fail(c.describe());
    }
  }

  /** Tolerance relative to the reference's magnitude: {@code rel × max(1, max|expected|)}. */
  public static void assertCloseRel(String stage, HostTensor expected, HostTensor actual, double rel) {
    assertClose(stage, expected, actual, rel * Math.max(1.0, Comparison.maxAbs(expected)));
  }
}
