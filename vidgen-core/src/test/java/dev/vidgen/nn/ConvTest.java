package dev.vidgen.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link Conv} against a direct convolution computed on the host in double precision, over the channel counts where
 * libtorch 2.7.1's CPU convolution is wrong (more than 8 input channels, not a multiple of 16, kernel wider than 1:
 * errors of order 1 or NaN without {@link Conv}'s channel padding) and around them, in 1, 2 and 3 dimensions, with
 * batches that take libtorch's oneDNN path (batch above 1, or one large input).
 */
class ConvTest {
  @ParameterizedTest(name = "in={0} out={1} batch={2} size={3} kernel={4}")
  @CsvSource({
      // in, out, batch, spatial (x-separated), kernel (x-separated), stride
      "24, 24, 4, 8x8, 3x3, 1", "20, 40, 2, 8x8, 3x3, 1", "40, 20, 2, 8x8, 3x3, 1", "17, 5, 2, 6x10, 3x3, 1",
      "33, 16, 3, 8x8, 3x3, 2", "12, 12, 2, 8x8, 3x3, 1", "24, 8, 1, 64x64, 3x3, 1", "24, 24, 2, 8x16, 3x1, 1",
      "16, 24, 4, 8x8, 3x3, 1", "32, 32, 2, 8x8, 3x3, 1", "4, 24, 2, 8x8, 3x3, 1", "24, 24, 2, 8x8, 1x1, 1",
      "24, 8, 2, 5x8x8, 3x1x1, 1", "20, 8, 2, 3x6x6, 3x3x3, 1", "24, 8, 2, 16, 3, 1", "3, 8, 2, 16x16, 3x3, 1"})
  void matchesADirectConvolution(int in, int out, int batch, String size, String kernel, int stride) {
    long[] spatial = dims(size);
    long[] k = dims(kernel);
    int d = k.length;
    Random random = new Random(in * 31L + out);
    long[] xShape = concat(new long[] {batch, in}, spatial);
    long[] wShape = concat(new long[] {out, in}, k);
    float[] x = gaussian(random, xShape);
    float[] w = gaussian(random, wShape);
    float[] b = gaussian(random, new long[] {out});
    long[] strides = fill(d, stride);
    long[] pads = new long[d];
    for (int i = 0; i < d; i++) {
      pads[i] = k[i] / 2;
    }
    try (NDManager m = NDManager.newBaseManager()) {
      Conv conv = new Conv(m.create(w, new Shape(wShape)), m.create(b), strides, pads, fill(d, 1), 1);
      NDArray input = m.create(x, new Shape(xShape));
      NDArray y = conv.forward(input);
      // a second call on the same arrays gives the same result and leaves both shapes as they were
      float[] again = conv.forward(input).toFloatArray();
      assertEquals(new Shape(xShape), input.getShape(), "input shape after forward");
      assertEquals(new Shape(wShape), conv.weight().getShape(), "weight shape after forward");
      org.junit.jupiter.api.Assertions.assertArrayEquals(y.toFloatArray(), again, "second call");
      double[] expected = direct(x, xShape, w, wShape, b, strides, pads);
      float[] actual = y.toFloatArray();
      assertEquals(expected.length, actual.length, "output size");
      double maxDiff = 0;
      for (int i = 0; i < actual.length; i++) {
        maxDiff = Math.max(maxDiff, Double.isNaN(actual[i]) ? Double.POSITIVE_INFINITY : Math.abs(actual[i] - expected[i]));
      }
      // float32 dot products of up to 40 x 27 terms of unit-variance values: rounding stays near 1e-5
      assertTrue(maxDiff < 1e-4, "conv in=" + in + " out=" + out + " batch=" + batch + " size=" + size + " kernel="
          + kernel + ": max |Δ| " + maxDiff + " against the direct convolution");
    }
  }

  /** Direct zero-padded convolution with dilation 1, accumulated in double. */
  static double[] direct(float[] x, long[] xs, float[] w, long[] ws, float[] b, long[] stride, long[] pad) {
    int d = xs.length - 2;
    int n = (int) xs[0];
    int in = (int) xs[1];
    int out = (int) ws[0];
    long[] os = new long[d];
    long outVolume = 1;
    long inVolume = 1;
    long kVolume = 1;
    for (int i = 0; i < d; i++) {
      os[i] = (xs[2 + i] + 2 * pad[i] - ws[2 + i]) / stride[i] + 1;
      outVolume *= os[i];
      inVolume *= xs[2 + i];
      kVolume *= ws[2 + i];
    }
    double[] y = new double[(int) (n * out * outVolume)];
    int[] o = new int[d];
    int[] t = new int[d];
    for (int s = 0; s < n; s++) {
      for (int co = 0; co < out; co++) {
        for (int p = 0; p < outVolume; p++) {
          unravel(p, os, o);
          double acc = b[co];
          for (int ci = 0; ci < in; ci++) {
            for (int q = 0; q < kVolume; q++) {
              unravel(q, tail(ws), t);
              long src = 0;
              boolean inside = true;
              for (int i = 0; i < d; i++) {
                long pos = o[i] * stride[i] - pad[i] + t[i];
                inside &= pos >= 0 && pos < xs[2 + i];
                src = src * xs[2 + i] + pos;
              }
              if (inside) {
                acc += (double) x[(int) ((s * in + ci) * inVolume + src)] * w[(int) ((co * in + ci) * kVolume + q)];
              }
            }
          }
          y[(int) ((s * out + co) * outVolume + p)] = acc;
        }
      }
    }
    return y;
  }

  private static void unravel(long flat, long[] shape, int[] into) {
    for (int i = shape.length - 1; i >= 0; i--) {
      into[i] = (int) (flat % shape[i]);
      flat /= shape[i];
    }
  }

  private static long[] tail(long[] ws) {
    long[] k = new long[ws.length - 2];
    System.arraycopy(ws, 2, k, 0, k.length);
    return k;
  }

  private static long[] dims(String s) {
    String[] parts = s.trim().split("x");
    long[] r = new long[parts.length];
    for (int i = 0; i < parts.length; i++) {
      r[i] = Long.parseLong(parts[i]);
    }
    return r;
  }

  private static long[] concat(long[] a, long[] b) {
    long[] r = new long[a.length + b.length];
    System.arraycopy(a, 0, r, 0, a.length);
    System.arraycopy(b, 0, r, a.length, b.length);
    return r;
  }

  private static long[] fill(int n, long v) {
    long[] r = new long[n];
    java.util.Arrays.fill(r, v);
    return r;
  }

  private static float[] gaussian(Random random, long[] shape) {
    long size = 1;
    for (long s : shape) {
      size *= s;
    }
    float[] r = new float[(int) size];
    for (int i = 0; i < r.length; i++) {
      r[i] = (float) random.nextGaussian();
    }
    return r;
  }
}
