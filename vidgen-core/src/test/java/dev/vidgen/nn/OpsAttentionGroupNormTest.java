package dev.vidgen.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link Ops#attention} (blocked over query rows) and {@link Ops#groupNorm} (via a fused layer norm) against
 * straightforward double-precision host computations of the same formulas.
 */
class OpsAttentionGroupNormTest {
  static float[] randn(Random r, int n, double scale, double shift) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = (float) (r.nextGaussian() * scale + shift);
    }
    return a;
  }

  /** softmax(q kᵀ·scale + mask) v for [B, H, L, D] in double. */
  static double[] naiveAttention(float[] q, float[] k, float[] v, float[] mask, int bh, int lq, int lk, int d,
      double scale) {
    double[] out = new double[bh * lq * d];
    for (int b = 0; b < bh; b++) {
      for (int i = 0; i < lq; i++) {
        double[] s = new double[lk];
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < lk; j++) {
          double dot = 0;
          for (int x = 0; x < d; x++) {
            dot += (double) q[(b * lq + i) * d + x] * k[(b * lk + j) * d + x];
          }
          s[j] = dot * scale + (mask == null ? 0 : mask[i * lk + j]);
          max = Math.max(max, s[j]);
        }
        double sum = 0;
        for (int j = 0; j < lk; j++) {
          s[j] = Math.exp(s[j] - max);
          sum += s[j];
        }
        for (int j = 0; j < lk; j++) {
          for (int x = 0; x < d; x++) {
            out[(b * lq + i) * d + x] += s[j] / sum * v[(b * lk + j) * d + x];
          }
        }
      }
    }
    return out;
  }

  static void assertNear(double[] expected, float[] actual, double tol) {
    assertEquals(expected.length, actual.length);
    double max = 0;
    for (int i = 0; i < expected.length; i++) {
      max = Math.max(max, Math.abs(expected[i] - actual[i]));
    }
    if (max > tol) {
      throw new AssertionError("max |Δ| " + max + " > " + tol);
    }
  }

  @Test
  void blockedAttentionEqualsTheFormula() {
    Random r = new Random(1);
    int b = 2;
    int h = 3;
    int lq = 37;
    int lk = 11;
    int d = 8;
    float[] q = randn(r, b * h * lq * d, 1, 0);
    float[] k = randn(r, b * h * lk * d, 1, 0);
    float[] v = randn(r, b * h * lk * d, 1, 0);
    float[] mask = randn(r, lq * lk, 2, 0);
    double scale = 1 / Math.sqrt(d);
    double[] expected = naiveAttention(q, k, v, null, b * h, lq, lk, d, scale);
    double[] expectedMasked = naiveAttention(q, k, v, mask, b * h, lq, lk, d, scale);
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray qa = m.create(q, new Shape(b, h, lq, d));
      NDArray ka = m.create(k, new Shape(b, h, lk, d));
      NDArray va = m.create(v, new Shape(b, h, lk, d));
      NDArray ma = m.create(mask, new Shape(lq, lk)); // broadcast over batch and heads, sliced with the rows
      long rowBytes = (long) b * h * lk * 4;
      for (long block : new long[] {Ops.ATTENTION_BLOCK_BYTES, rowBytes, 5 * rowBytes, 1}) {
        float[] out = Ops.attention(qa, ka, va, null, scale, block).toFloatArray();
        assertNear(expected, out, 1e-5);
        float[] outMasked = Ops.attention(qa, ka, va, ma, scale, block).toFloatArray();
        assertNear(expectedMasked, outMasked, 1e-5);
      }
      // a mask without a query axis ([B, 1, 1, Lk]) is used whole by every block
      float[] keyMask = new float[b * lk];
      keyMask[3] = -10000f;
      NDArray km = m.create(keyMask, new Shape(b, 1, 1, lk));
      assertArrayEquals(Ops.attention(qa, ka, va, km, scale).toFloatArray(),
          Ops.attention(qa, ka, va, km, scale, 3 * rowBytes).toFloatArray(), 1e-6f);
    }
  }

  @Test
  void groupNormEqualsTheFormula() {
    Random r = new Random(2);
    int n = 2;
    int c = 6;
    int groups = 3;
    int spatial = 2 * 5 * 7; // [N, C, 2, 5, 7]
    float[] x = randn(r, n * c * spatial, 3, 1.5);
    float[] w = randn(r, c, 1, 0);
    float[] bias = randn(r, c, 1, 0);
    double eps = 1e-6;
    double[] expected = new double[x.length];
    int per = c / groups * spatial;
    for (int s = 0; s < n; s++) {
      for (int g = 0; g < groups; g++) {
        int off = (s * c + g * (c / groups)) * spatial;
        double mean = 0;
        for (int i = 0; i < per; i++) {
          mean += x[off + i];
        }
        mean /= per;
        double var = 0;
        for (int i = 0; i < per; i++) {
          var += (x[off + i] - mean) * (x[off + i] - mean);
        }
        var /= per;
        for (int i = 0; i < per; i++) {
          int ch = g * (c / groups) + i / spatial;
          expected[off + i] = (x[off + i] - mean) / Math.sqrt(var + eps) * w[ch] + bias[ch];
        }
      }
    }
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray xa = m.create(x, new Shape(n, c, 2, 5, 7));
      float[] out = Ops.groupNorm(xa, groups, m.create(w), m.create(bias), eps).toFloatArray();
      assertNear(expected, out, 1e-5);
      // a channels-first view of a frames-first tensor (what the temporal layers pass) gives the same
      NDArray framesFirst = xa.transpose(0, 2, 1, 3, 4).duplicate(); // (N, F, C, H, W) in memory
      float[] viewOut = Ops.groupNorm(framesFirst.transpose(0, 2, 1, 3, 4), groups, m.create(w), m.create(bias), eps)
          .toFloatArray();
      assertNear(expected, viewOut, 1e-5);
    }
  }
}
