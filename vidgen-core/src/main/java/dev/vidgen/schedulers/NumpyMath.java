package dev.vidgen.schedulers;

/**
 * The numpy 1.24 routines diffusers' {@code set_timesteps} uses, with numpy's exact arithmetic: float64 unless the
 * name says float32, {@code round} is round-half-to-even, {@code astype(int64)} truncates toward zero.
 */
final class NumpyMath {
  private NumpyMath() {}

  /** {@code np.linspace(start, stop, num)} (endpoint included): {@code i * step + start}, last element = stop. */
  static double[] linspace(double start, double stop, int num) {
    double[] y = new double[num];
    if (num == 0) {
      return y;
    }
    if (num == 1) {
      y[0] = start;
      return y;
    }
    int div = num - 1;
    double delta = stop - start;
    double step = delta / div;
    for (int i = 0; i < num; i++) {
      y[i] = step == 0 ? (i / (double) div) * delta + start : i * step + start;
    }
    y[num - 1] = stop;
    return y;
  }

  /**
   * {@code np.arange(start, stop, step)} with a float step: length {@code ceil((stop - start) / step)}, then
   * {@code y[0] = start}, {@code y[1] = start + step}, {@code y[i] = start + i * (y[1] - y[0])} (numpy's
   * {@code DOUBLE_fill}).
   */
  static double[] arange(double start, double stop, double step) {
    double len = Math.ceil((stop - start) / step);
    int n = len > 0 ? (int) len : 0;
    double[] y = new double[n];
    if (n == 0) {
      return y;
    }
    y[0] = start;
    if (n > 1) {
      y[1] = start + step;
      double delta = y[1] - y[0];
      for (int i = 2; i < n; i++) {
        y[i] = start + i * delta;
      }
    }
    return y;
  }

  /** {@code np.round} (round half to even). */
  static double round(double x) {
    return Math.rint(x);
  }

  /**
   * {@code np.interp(x, np.arange(0, len(fp)), fp)}: float64 results, {@code fp[0]} left of the range,
   * {@code fp[-1]} right of it, exact table values at integer points, else {@code slope * (x - j) + fp[j]}.
   */
  static double[] interpArange(double[] x, float[] fp) {
    double[] out = new double[x.length];
    int n = fp.length;
    for (int i = 0; i < x.length; i++) {
      double xv = x[i];
      if (Double.isNaN(xv)) {
        out[i] = xv;
      } else if (xv < 0) {
        out[i] = fp[0];
      } else if (xv >= n - 1) {
        out[i] = fp[n - 1];
      } else {
        int j = (int) Math.floor(xv);
        if (j == xv) {
          out[i] = fp[j];
        } else {
          double slope = ((double) fp[j + 1] - (double) fp[j]) / 1.0;
          out[i] = slope * (xv - j) + fp[j];
        }
      }
    }
    return out;
  }

  private static final float[] LOG_P = {0.0f, 9.999999999999998702752e-01f, 2.112677543073053063722e+00f,
      1.480000633576506585156e+00f, 3.808837741388407920751e-01f, 2.589979117907922693523e-02f};
  private static final float[] LOG_Q = {1.0f, 2.612677543073109236779e+00f, 2.453006071784736363091e+00f,
      9.864942958519418960339e-01f, 1.546476374983906719538e-01f, 5.875095403124574342950e-03f};
  private static final float LOGE2 = 0.693147180559945309417232121458176568f;
  private static final float SQRT1_2 = 0.707106781186547524400844362104849039f;

  /**
   * {@code np.log} of a float32 array element: numpy's AVX2/AVX512F rational approximation
   * ({@code loops_exponent_log.dispatch.c.src}, {@code simd_log_FLOAT}; up to 3.83 ulp, not correctly rounded).
   */
  static float logf(float xIn) {
    if (Float.isNaN(xIn)) {
      return Float.NaN;
    }
    if (xIn < 0) {
      return -Float.NaN;
    }
    if (xIn == 0) {
      return Float.NEGATIVE_INFINITY;
    }
    if (xIn == Float.POSITIVE_INFINITY) {
      return Float.POSITIVE_INFINITY;
    }
    float x = xIn;
    float exponent;
    int bits;
    if (x < Float.MIN_NORMAL) {
      bits = Float.floatToRawIntBits(x * 0x1p100f);
      exponent = (float) ((bits >>> 23) - 0x7E) - 100f;
    } else {
      bits = Float.floatToRawIntBits(x);
      exponent = (float) ((bits >>> 23) - 0x7E);
    }
    x = Float.intBitsToFloat((bits & 0x7fffff) | (126 << 23)); // mantissa in [0.5, 1)
    if (x <= SQRT1_2) {
      x = x + x;
      exponent = exponent - 1f;
    }
    x = x - 1f;
    float num = Math.fma(LOG_P[5], x, LOG_P[4]);
    num = Math.fma(num, x, LOG_P[3]);
    num = Math.fma(num, x, LOG_P[2]);
    num = Math.fma(num, x, LOG_P[1]);
    num = Math.fma(num, x, LOG_P[0]);
    float den = Math.fma(LOG_Q[5], x, LOG_Q[4]);
    den = Math.fma(den, x, LOG_Q[3]);
    den = Math.fma(den, x, LOG_Q[2]);
    den = Math.fma(den, x, LOG_Q[1]);
    den = Math.fma(den, x, LOG_Q[0]);
    return Math.fma(exponent, LOGE2, num / den);
  }

  /** {@code np.log} over a float32 array. */
  static float[] logf(float[] x) {
    float[] out = new float[x.length];
    for (int i = 0; i < x.length; i++) {
      out[i] = logf(x[i]);
    }
    return out;
  }
}
