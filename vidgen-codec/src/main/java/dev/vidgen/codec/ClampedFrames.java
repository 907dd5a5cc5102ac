package dev.vidgen.codec;

import dev.vidgen.api.Video;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;

/**
 * The frames of a {@link Video} as clamped values, with one warning per write for values that had to be clamped.
 *
 * <p>Generated frames are meant to lie in [0, 1]; a model that overshoots, or a NaN from a numerical problem,
 * would otherwise pass silently into the file. Every writer reads its frames through this class: values below 0
 * and NaN become 0, values above 1 become 1 (the same rule as {@link Video#toByte(float)}), and if any value was
 * changed one warning says how many.
 */
final class ClampedFrames {
  private static final Logger LOG = System.getLogger(ClampedFrames.class.getPackageName());

  private final float[] values;
  private final int numFrames;
  private final int height;
  private final int width;
  private final long clampedCount;
  private final long nanCount;

  private ClampedFrames(float[] values, int numFrames, int height, int width, long clampedCount, long nanCount) {
    this.values = values;
    this.numFrames = numFrames;
    this.height = height;
    this.width = width;
    this.clampedCount = clampedCount;
    this.nanCount = nanCount;
  }

  /** Copies and clamps the frames of {@code video}; logs one warning naming {@code format} if any value changed. */
  static ClampedFrames of(Video video, String format) {
    float[] values = video.frames(); // a copy: clamped in place below
    long clamped = 0;
    long nans = 0;
    for (int i = 0; i < values.length; i++) {
      float v = values[i];
      if (v >= 0f && v <= 1f) {
        continue;
      }
      if (v != v) {
        nans++;
        values[i] = 0f;
      } else {
        clamped++;
        values[i] = v < 0f ? 0f : 1f;
      }
    }
    if (clamped + nans > 0) {
      LOG.log(Level.WARNING, "writing {0}: {1} of {2} frame values were outside [0, 1] ({3} below or above, {4} NaN) "
          + "and were clamped (NaN to 0)", format, clamped + nans, values.length, clamped, nans);
    }
    return new ClampedFrames(values, video.numFrames(), video.height(), video.width(), clamped, nans);
  }

  int numFrames() {
    return numFrames;
  }

  int height() {
    return height;
  }

  int width() {
    return width;
  }

  /** How many values were out of range or NaN and were changed. */
  long clampedCount() {
    return clampedCount + nanCount;
  }

  /** Index of the red value of pixel (x, y) of frame f in {@link #values()}. */
  int index(int f, int y, int x) {
    return ((f * height + y) * width + x) * 3;
  }

  /** The clamped values, {@code [F, H, W, 3]} in [0, 1]. Not a copy: do not modify. */
  float[] values() {
    return values;
  }

  /** Frame {@code f} as packed 0xRRGGBB ints, rounded like {@link Video#toByte(float)}. */
  int[] rgb(int f) {
    int[] out = new int[height * width];
    int base = index(f, 0, 0);
    for (int p = 0; p < out.length; p++) {
      int r = Video.toByte(values[base + 3 * p]);
      int g = Video.toByte(values[base + 3 * p + 1]);
      int b = Video.toByte(values[base + 3 * p + 2]);
      out[p] = (r << 16) | (g << 8) | b;
    }
    return out;
  }
}
