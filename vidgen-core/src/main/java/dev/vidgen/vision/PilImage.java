package dev.vidgen.vision;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;

/**
 * The few Pillow operations diffusers applies to a conditioning image, ported so that a {@link BufferedImage} gives
 * the same numbers a {@code PIL.Image} gives in Python: {@code convert("RGB")} and {@code resize(size,
 * Image.LANCZOS)} (Pillow's {@code libImaging/Resample.c}: a separable Lanczos-3 filter widened by the downscale
 * factor, coefficients rounded to 22-bit fixed point, a horizontal pass then a vertical pass, each clipped to 8
 * bits). Pixels are held as {@code int[height * width * 3]}, row-major RGB, values 0..255 (numpy's {@code
 * np.asarray(img)} layout).
 *
 * @param width image width
 * @param height image height
 * @param rgb {@code height * width * 3} values in 0..255
 */
public record PilImage(int width, int height, int[] rgb) {
  /** Pillow's {@code PRECISION_BITS} for 8-bit images: 32 − 8 − 2. */
  private static final int PRECISION_BITS = 32 - 8 - 2;
  /** Lanczos-3 support. */
  private static final double LANCZOS_SUPPORT = 3.0;

  public PilImage {
    if (width <= 0 || height <= 0 || rgb.length != width * height * 3) {
      throw new IllegalArgumentException("PilImage: " + width + "x" + height + " needs " + (width * height * 3)
          + " RGB values, got " + rgb.length);
    }
  }

  /**
   * {@code Image.convert("RGB")}: colour images keep their RGB (alpha is dropped, not composited), grey images
   * repeat their grey level in the three channels (no gamma conversion, unlike {@link BufferedImage#getRGB}).
   */
  public static PilImage fromBufferedImage(BufferedImage image) {
    int w = image.getWidth();
    int h = image.getHeight();
    int[] rgb = new int[w * h * 3];
    ColorSpace cs = image.getColorModel().getColorSpace();
    if (cs.getType() == ColorSpace.TYPE_GRAY) {
      Raster r = image.getRaster();
      int bits = image.getColorModel().getComponentSize(0);
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          int v = r.getSample(x, y, 0);
          if (bits > 8) {
            v = v >> (bits - 8);
          }
          int i = (y * w + x) * 3;
          rgb[i] = v;
          rgb[i + 1] = v;
          rgb[i + 2] = v;
        }
      }
    } else {
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          int argb = image.getRGB(x, y);
          int i = (y * w + x) * 3;
          rgb[i] = (argb >> 16) & 0xff;
          rgb[i + 1] = (argb >> 8) & 0xff;
          rgb[i + 2] = argb & 0xff;
        }
      }
    }
    return new PilImage(w, h, rgb);
  }

  @Override
  public int[] rgb() {
    return rgb.clone();
  }

  /** {@code np.asarray(img).astype(np.float32) / 255} in channels-first order: {@code [3 * height * width]}. */
  public float[] toChannelsFirstUnit() {
    float[] out = new float[rgb.length];
    int plane = width * height;
    for (int p = 0; p < plane; p++) {
      for (int c = 0; c < 3; c++) {
        out[c * plane + p] = rgb[p * 3 + c] / 255.0f;
      }
    }
    return out;
  }

  /** {@code img.resize((newWidth, newHeight), resample=Image.LANCZOS)}; the same image when the size is unchanged. */
  public PilImage resizeLanczos(int newWidth, int newHeight) {
    if (newWidth <= 0 || newHeight <= 0) {
      throw new IllegalArgumentException("resize to " + newWidth + "x" + newHeight + ": sizes must be positive");
    }
    if (newWidth == width && newHeight == height) {
      return this; // Image.resize returns a copy when size and box are unchanged
    }
    boolean needHorizontal = newWidth != width;
    boolean needVertical = newHeight != height;
    Coefficients horiz = Coefficients.lanczos(width, newWidth);
    Coefficients vert = Coefficients.lanczos(height, newHeight);
    int[] src = rgb;
    int srcW = width;
    int srcH = height;
    int yboxFirst = 0;
    if (needHorizontal) {
      // only the source rows the vertical pass will read
      yboxFirst = vert.bounds[0];
      int yboxLast = vert.bounds[newHeight * 2 - 2] + vert.bounds[newHeight * 2 - 1];
      int rows = needVertical ? yboxLast - yboxFirst : srcH;
      if (!needVertical) {
        yboxFirst = 0;
      }
      int[] tmp = new int[rows * newWidth * 3];
      for (int yy = 0; yy < rows; yy++) {
        int rowBase = (yy + yboxFirst) * srcW * 3;
        for (int xx = 0; xx < newWidth; xx++) {
          int xmin = horiz.bounds[xx * 2];
          int xmax = horiz.bounds[xx * 2 + 1];
          int k = xx * horiz.ksize;
          int ss0 = 1 << (PRECISION_BITS - 1);
          int ss1 = ss0;
          int ss2 = ss0;
          for (int x = 0; x < xmax; x++) {
            int p = rowBase + (x + xmin) * 3;
            int kv = horiz.kk[k + x];
            ss0 += src[p] * kv;
            ss1 += src[p + 1] * kv;
            ss2 += src[p + 2] * kv;
          }
          int o = (yy * newWidth + xx) * 3;
          tmp[o] = clip8(ss0);
          tmp[o + 1] = clip8(ss1);
          tmp[o + 2] = clip8(ss2);
        }
      }
      src = tmp;
      srcW = newWidth;
      srcH = rows;
    }
    if (!needVertical) {
      return new PilImage(srcW, srcH, src);
    }
    int[] out = new int[newHeight * srcW * 3];
    for (int yy = 0; yy < newHeight; yy++) {
      int ymin = vert.bounds[yy * 2] - yboxFirst; // bounds shifted to the rows the horizontal pass kept
      int ymax = vert.bounds[yy * 2 + 1];
      int k = yy * vert.ksize;
      for (int xx = 0; xx < srcW; xx++) {
        int ss0 = 1 << (PRECISION_BITS - 1);
        int ss1 = ss0;
        int ss2 = ss0;
        for (int y = 0; y < ymax; y++) {
          int p = ((y + ymin) * srcW + xx) * 3;
          int kv = vert.kk[k + y];
          ss0 += src[p] * kv;
          ss1 += src[p + 1] * kv;
          ss2 += src[p + 2] * kv;
        }
        int o = (yy * srcW + xx) * 3;
        out[o] = clip8(ss0);
        out[o + 1] = clip8(ss1);
        out[o + 2] = clip8(ss2);
      }
    }
    return new PilImage(srcW, newHeight, out);
  }

  private static int clip8(int in) {
    if (in >= (1 << PRECISION_BITS << 8)) {
      return 255;
    }
    if (in <= 0) {
      return 0;
    }
    return in >> PRECISION_BITS;
  }

  /** {@code precompute_coeffs} + {@code normalize_coeffs_8bpc} for one axis. */
  private record Coefficients(int ksize, int[] bounds, int[] kk) {
    static Coefficients lanczos(int inSize, int outSize) {
      double scale = (double) inSize / outSize; // (in1 - in0) / outSize with the full box
      double filterscale = Math.max(scale, 1.0);
      double support = LANCZOS_SUPPORT * filterscale;
      int ksize = (int) Math.ceil(support) * 2 + 1;
      int[] bounds = new int[outSize * 2];
      double[] prekk = new double[outSize * ksize];
      for (int xx = 0; xx < outSize; xx++) {
        double center = (xx + 0.5) * scale;
        double ww = 0.0;
        double ss = 1.0 / filterscale;
        int xmin = (int) (center - support + 0.5); // C's (int): truncation toward zero
        if (xmin < 0) {
          xmin = 0;
        }
        int xmax = (int) (center + support + 0.5);
        if (xmax > inSize) {
          xmax = inSize;
        }
        xmax -= xmin;
        int k = xx * ksize;
        for (int x = 0; x < xmax; x++) {
          double w = lanczos((x + xmin - center + 0.5) * ss);
          prekk[k + x] = w;
          ww += w;
        }
        for (int x = 0; x < xmax; x++) {
          if (ww != 0.0) {
            prekk[k + x] /= ww;
          }
        }
        bounds[xx * 2] = xmin;
        bounds[xx * 2 + 1] = xmax;
      }
      int[] kk = new int[prekk.length];
      for (int i = 0; i < prekk.length; i++) {
        kk[i] = prekk[i] < 0 ? (int) (-0.5 + prekk[i] * (1 << PRECISION_BITS))
            : (int) (0.5 + prekk[i] * (1 << PRECISION_BITS));
      }
      return new Coefficients(ksize, bounds, kk);
    }

    private static double sinc(double x) {
      if (x == 0.0) {
        return 1.0;
      }
      x = x * Math.PI;
      return Math.sin(x) / x;
    }

    /** Truncated sinc. */
    private static double lanczos(double x) {
      if (-3.0 <= x && x < 3.0) {
        return sinc(x) * sinc(x / 3);
      }
      return 0.0;
    }
  }
}
