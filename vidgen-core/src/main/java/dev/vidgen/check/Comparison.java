package dev.vidgen.check;

import dev.vidgen.api.HostTensor;
import java.util.Arrays;

/**
 * The comparison of one stage of a run with its reference: max absolute error, where it is, how many elements
 * exceed the tolerance. Used by {@code vidgen check} and by the parity tests, so both report the same way.
 *
 * @param stage the stage name (e.g. {@code unet.step0.output})
 * @param maxAbsError the largest |actual − expected| (NaN anywhere counts as infinite)
 * @param worstIndex flat index of that element
 * @param expectedAt reference value there
 * @param actualAt our value there
 * @param mismatched number of elements beyond the tolerance
 * @param total number of elements
 * @param tolerance the allowed max absolute error
 * @param shapeError non-null when the shapes differ (then nothing else is meaningful)
 */
public record Comparison(String stage, double maxAbsError, long worstIndex, double expectedAt, double actualAt,
    long mismatched, long total, double tolerance, String shapeError) {

  public static Comparison of(String stage, HostTensor expected, HostTensor actual, double tolerance) {
    if (!Arrays.equals(expected.shape(), actual.shape())) {
      return new Comparison(stage, Double.POSITIVE_INFINITY, -1, Double.NaN, Double.NaN, expected.size(),
          expected.size(), tolerance, "shape " + Arrays.toString(actual.shape()) + " != expected "
              + Arrays.toString(expected.shape()));
    }
    float[] e = expected.data();
    float[] a = actual.data();
    double max = 0;
    long worst = 0;
    long bad = 0;
    for (int i = 0; i < e.length; i++) {
      double d = Math.abs((double) a[i] - (double) e[i]);
      if (Double.isNaN(d)) {
        d = Double.POSITIVE_INFINITY;
      }
      if (d > max) {
        max = d;
        worst = i;
      }
      if (d > tolerance) {
        bad++;
      }
    }
    return new Comparison(stage, max, worst, e.length == 0 ? 0 : e[(int) worst], a.length == 0 ? 0 : a[(int) worst],
        bad, e.length, tolerance, null);
  }

  public static double maxAbs(HostTensor t) {
    double m = 0;
    for (float v : t.data()) {
      m = Math.max(m, Math.abs(v));
    }
    return m;
  }

  public boolean passed() {
    return shapeError == null && maxAbsError <= tolerance;
  }

  /** One line: name, max error, tolerance, ok/FAIL. */
  public String line() {
    return String.format("%-36s max|Δ| %-11.4g tol %-10.3g %s", stage, maxAbsError, tolerance,
        passed() ? "ok" : "FAIL");
  }

  /** The full report of a failure. */
  public String describe() {
    if (shapeError != null) {
      return stage + ": " + shapeError;
    }
    return String.format("%s: %d of %d elements (%.3f%%) differ by more than %.3g; max |Δ| = %.6g at flat index %d "
        + "(actual %.8g, expected %.8g)", stage, mismatched, total, 100.0 * mismatched / Math.max(1, total),
        tolerance, maxAbsError, worstIndex, actualAt, expectedAt);
  }
}
