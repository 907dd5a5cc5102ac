package dev.vidgen.schedulers;

/**
 * The few torch CPU kernels whose float32 rounding decides scheduler tables, reproduced bit for bit so that
 * timesteps derived from them (e.g. by rounding) equal diffusers' exactly.
 *
 * <p>The reference fixtures were made with torch 1.13 on an x86-64 CPU with AVX2/FMA kernels; the choices below were
 * checked against them (sigmas and timesteps of every scheduler case equal to the last bit):
 *
 * <ul>
 *   <li>{@code torch.linspace} ({@code aten/src/ATen/native/cpu/RangeFactoriesKernel.cpp}): the first half counts
 *       up from {@code start}, the second half down from {@code end}; in blocks of one SIMD vector (8 floats, 4
 *       doubles) the block base is {@code start + step * idx} and the lanes are {@code base + k * step}, each
 *       contracted by the compiler into one fused multiply-add.
 *   <li>{@code torch.cumprod} accumulates in double ({@code acc_type<float>}) and rounds each output to float.
 *   <li>{@code torch.log} on float32 is SLEEF's {@code Sleef_logf8_u10} (1-ulp, not always correctly rounded).
 *   <li>{@code torch.exp} on float32 is SLEEF's {@code Sleef_expf8_u10}.
 * </ul>
 */
final class TorchMath {
  /** Lanes of {@code Vectorized<float>} with AVX2. */
  static final int FLOAT_LANES = 8;
  /** Lanes of {@code Vectorized<double>} with AVX2. */
  static final int DOUBLE_LANES = 4;

  private TorchMath() {}

  /** Rounds to float32 (torch float32 arithmetic on host scalars: one op, one rounding). */
  static double f32(double x) {
    return (float) x;
  }

  /** {@code torch.linspace(start, end, steps, dtype=torch.float32)}. */
  static float[] linspaceF32(double startD, double endD, int steps) {
    float[] out = new float[steps];
    float start = (float) startD;
    float end = (float) endD;
    if (steps == 1) {
      out[0] = start;
      return out;
    }
    float step = (end - start) / (float) (steps - 1);
    int halfway = steps / 2;
    int i = 0;
    for (; i <= steps - 2 * FLOAT_LANES; i += 2 * FLOAT_LANES) {
      for (int block = i; block < i + 2 * FLOAT_LANES; block += FLOAT_LANES) {
        float base = block < halfway ? Math.fma(step, (float) block, start)
            : Math.fma(-step, (float) (steps - block - 1), end);
        for (int k = 0; k < FLOAT_LANES; k++) {
          out[block + k] = Math.fma((float) k, step, base);
        }
      }
    }
    for (; i < steps; i++) {
      out[i] = i < halfway ? Math.fma(step, (float) i, start) : Math.fma(-step, (float) (steps - i - 1), end);
    }
    return out;
  }

  /** {@code torch.linspace(start, end, steps, dtype=torch.float64)}. */
  static double[] linspaceF64(double start, double end, int steps) {
    double[] out = new double[steps];
    if (steps == 1) {
      out[0] = start;
      return out;
    }
    double step = (end - start) / (steps - 1);
    int halfway = steps / 2;
    int i = 0;
    for (; i <= steps - 2 * DOUBLE_LANES; i += 2 * DOUBLE_LANES) {
      for (int block = i; block < i + 2 * DOUBLE_LANES; block += DOUBLE_LANES) {
        double base = block < halfway ? Math.fma(step, block, start) : Math.fma(-step, steps - block - 1, end);
        for (int k = 0; k < DOUBLE_LANES; k++) {
          out[block + k] = Math.fma(k, step, base);
        }
      }
    }
    for (; i < steps; i++) {
      out[i] = i < halfway ? Math.fma(step, i, start) : Math.fma(-step, steps - i - 1, end);
    }
    return out;
  }

  /** {@code torch.cumprod(x, 0)} of a float32 tensor: double accumulator, float outputs. */
  static float[] cumprod(float[] x) {
    float[] out = new float[x.length];
    double acc = 1.0;
    for (int i = 0; i < x.length; i++) {
      acc *= x[i];
      out[i] = (float) acc;
    }
    return out;
  }

  /** {@code torch.cumprod(x, 0)} of a float64 tensor. */
  static double[] cumprod(double[] x) {
    double[] out = new double[x.length];
    double acc = 1.0;
    for (int i = 0; i < x.length; i++) {
      acc *= x[i];
      out[i] = acc;
    }
    return out;
  }

  /**
   * {@code torch.exp} of a float32 value: SLEEF 3.x {@code xexpf} (the 1-ulp {@code Sleef_expf8_u10}, AVX2 build
   * with FMA), ported from {@code sleefsimdsp.c}.
   */
  static float expf(float d) {
    if (Float.isNaN(d)) {
      return Float.NaN;
    }
    if (d < -104f) {
      return 0f;
    }
    if (d > 100f) {
      return Float.POSITIVE_INFINITY;
    }
    int q = (int) Math.rint(d * 1.442695040888963407359924681001892137426645954152985934135449406931f); // R_LN2f
    float s = Math.fma((float) q, -0.693145751953125f, d); // L2Uf
    s = Math.fma((float) q, -1.428606765330187045e-06f, s); // L2Lf
    float u = 0.000198527617612853646278381f;
    u = Math.fma(u, s, 0.00139304355252534151077271f);
    u = Math.fma(u, s, 0.00833336077630519866943359f);
    u = Math.fma(u, s, 0.0416664853692054748535156f);
    u = Math.fma(u, s, 0.166666671633720397949219f);
    u = Math.fma(u, s, 0.5f);
    u = 1.0f + Math.fma(s * s, u, s);
    // vldexp2(u, q) = u * 2^(q >> 1) * 2^(q - (q >> 1))
    int half = q >> 1;
    return u * Float.intBitsToFloat((half + 0x7f) << 23) * Float.intBitsToFloat((q - half + 0x7f) << 23);
  }

  /**
   * {@code torch.log} of a float32 value: SLEEF 3.x {@code xlogf_u1} (AVX2 build, FMA double-float arithmetic),
   * ported from {@code sleefsimdsp.c} and {@code df.h}.
   */
  static float logf(float d) {
    if (Float.isNaN(d) || d < 0) {
      return Float.NaN;
    }
    if (d == 0) {
      return Float.NEGATIVE_INFINITY;
    }
    if (d == Float.POSITIVE_INFINITY) {
      return Float.POSITIVE_INFINITY;
    }
    boolean subnormal = d < Float.MIN_NORMAL;
    if (subnormal) {
      d = d * 1.8446744e19f; // 2^64
    }
    // vilogb2k(d * (1/0.75)): the exponent such that the mantissa m lies in [0.75, 1.5)
    int e = ((Float.floatToRawIntBits(d * (1.0f / 0.75f)) >> 23) & 0xff) - 0x7f;
    float m = Float.intBitsToFloat(Float.floatToRawIntBits(d) + ((-e) << 23)); // vldexp3(d, -e)
    if (subnormal) {
      e -= 64;
    }
    float ef = e;
    // s = dfmul((ln2 hi, ln2 lo), e)
    float sx = 0.69314718246459960938f * ef;
    float sy = Math.fma(-1.904654323148236017e-09f, ef, Math.fma(0.69314718246459960938f, ef, -sx));
    // x = dfdiv(dfadd2(-1, m), dfadd2(1, m))
    float nx = -1f + m;
    float nv = nx - (-1f);
    float ny = ((-1f) - (nx - nv)) + (m - nv);
    float dx = 1f + m;
    float dv = dx - 1f;
    float dy = (1f - (dx - dv)) + (m - dv);
    float t = 1f / dx;
    float qx = nx * t;
    float u = Math.fma(t, nx, -qx);
    float qy = Math.fma(-dy, t, Math.fma(-dx, t, 1f));
    qy = Math.fma(qx, qy, Math.fma(ny, t, u));
    float x2 = qx * qx;
    float p = 0.3027294874f;
    p = Math.fma(p, x2, 0.3996108174f);
    p = Math.fma(p, x2, 0.6666694880f);
    // s = dfadd(s, dfscale(x, 2))
    float ax = qx * 2;
    float ay = qy * 2;
    float rx = sx + ax;
    float ry = (((sx - rx) + ax) + sy) + ay;
    // s = dfadd(s, x2 * x.x * t)
    float v = (x2 * qx) * p;
    float r2x = rx + v;
    float r2y = ((rx - r2x) + v) + ry;
    return r2x + r2y;
  }
}
