package dev.vidgen.testing;

import static org.junit.jupiter.api.Assertions.fail;

import dev.vidgen.api.HostTensor;
import dev.vidgen.check.Comparison;

/**
 * {@link Parity#assertCloseRel} that also prints the measured error, so a test log documents how close each
 * stage is (not only that it passed).
 */
public final class Measured {
  private Measured() {}

  /** Asserts {@code max|Δ| <= rel × max(1, max|expected|)} and prints the measurement. */
  public static Comparison assertCloseRel(String stage, HostTensor expected, HostTensor actual, double rel) {
    double tol = rel * Math.max(1.0, Comparison.maxAbs(expected));
    Comparison c = Comparison.of(stage, expected, actual, tol);
    System.out.printf("[parity] %-45s max|d|=%.3e  max|ref|=%.3e  tol=%.1e%n", stage, c.maxAbsError(),
        Comparison.maxAbs(expected), tol);
    if (!c.passed()) {
      fail(c.describe());
    }
    return c;
  }
}
