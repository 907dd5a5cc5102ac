package dev.vidgen.bench;

import java.util.Arrays;
import java.util.List;

/** Median and range of repeated measurements (never one run). */
record Stats(double median, double min, double max, int n) {
  static Stats of(List<Double> values) {
    if (values.isEmpty()) {
      throw new IllegalArgumentException("no measurements");
    }
    double[] v = values.stream().mapToDouble(Double::doubleValue).toArray();
    Arrays.sort(v);
    int n = v.length;
    double median = n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    return new Stats(median, v[0], v[n - 1], n);
  }

  /** The spread as a percentage of the median: {@code (max - min) / median}. */
  double spreadPercent() {
    return median == 0 ? 0 : 100 * (max - min) / median;
  }

  /** {@code median [min – max] (n=...)}, with a format for the three numbers. */
  String format(String numberFormat) {
    return String.format(numberFormat + " [" + numberFormat + " – " + numberFormat + "] (n=%d)", median, min, max, n);
  }
}
