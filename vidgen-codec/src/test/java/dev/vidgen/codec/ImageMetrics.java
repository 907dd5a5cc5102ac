package dev.vidgen.codec;

/** Distances between a source frame (packed 0xRRGGBB) and a decoded one (RGB24 bytes). */
final class ImageMetrics {
  private ImageMetrics() {}

  /** PSNR in dB over all pixels and channels of a frame; 99 for identical frames. */
  static double psnr(int[] source, byte[] decoded, int offset) {
    double sum = 0;
    for (int p = 0; p < source.length; p++) {
      for (int c = 0; c < 3; c++) {
        int s = (source[p] >> (16 - 8 * c)) & 0xff;
        int d = decoded[offset + 3 * p + c] & 0xff;
        sum += (s - d) * (s - d);
      }
    }
    double mse = sum / (3.0 * source.length);
    return mse == 0 ? 99 : 10 * Math.log10(255.0 * 255.0 / mse);
  }

  /**
   * Mean decoded colour of a rectangle {@code [x0, x1) x [y0, y1)} of a decoded frame of width {@code width},
   * as {r, g, b}.
   */
  static double[] meanColour(byte[] decoded, int offset, int width, int x0, int y0, int x1, int y1) {
    double[] sum = new double[3];
    for (int y = y0; y < y1; y++) {
      for (int x = x0; x < x1; x++) {
        for (int c = 0; c < 3; c++) {
          sum[c] += decoded[offset + (y * width + x) * 3 + c] & 0xff;
        }
      }
    }
    int n = (x1 - x0) * (y1 - y0);
    return new double[] {sum[0] / n, sum[1] / n, sum[2] / n};
  }
}
