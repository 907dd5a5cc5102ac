package dev.vidgen.examples.train;

import dev.vidgen.examples.train.MovingShapes.Colour;
import dev.vidgen.examples.train.MovingShapes.Direction;
import java.util.Locale;

/**
 * Whether a video shows what a demo caption names: the named colour, moving in the named direction.
 *
 * <p>Each pixel is assigned to the palette colour nearest to it (Euclidean distance in RGB, values in [0, 1]) when
 * that distance is below {@value #MATCH_DISTANCE}; the dark neutral backgrounds of the data set are farther than
 * that from every palette colour. Per frame, the centroid of the pixels assigned to the named colour is taken; the
 * motion is the least-squares slope of the centroid over the frames where the colour is present, times the clip
 * length.
 *
 * <ul>
 *   <li>The colour is right when the named colour is present (at least {@value #MIN_PIXELS} pixels) in at least
 *       three quarters of the frames and has more pixels, over the whole video, than any other palette colour.
 *   <li>The direction is right when the displacement along the named direction has the named sign, is at least a
 *       tenth of the frame size, and exceeds the displacement across it.
 * </ul>
 */
public final class MotionScore {
  /** RGB distance under which a pixel counts as a palette colour. */
  public static final double MATCH_DISTANCE = 0.35;
  /** Pixels of the named colour a frame needs for the colour to count as present in it. */
  public static final int MIN_PIXELS = 3;

  /**
   * @param colourRight the named colour dominates and is present in most frames
   * @param directionRight the named colour's centroid moves the named way
   * @param dx centroid displacement over the clip, in pixels, to the right
   * @param dy centroid displacement over the clip, in pixels, downwards
   * @param pixels pixels per palette colour over the whole video, in {@link Colour} order
   * @param framesPresent frames in which the named colour is present
   */
  public record Result(boolean colourRight, boolean directionRight, double dx, double dy, long[] pixels,
      int framesPresent) {
    public boolean right() {
      return colourRight && directionRight;
    }

    public String describe() {
      StringBuilder s = new StringBuilder();
      s.append(String.format(Locale.ROOT, "colour %s, direction %s (dx %+.1f px, dy %+.1f px, present in %d frames;",
          colourRight ? "right" : "WRONG", directionRight ? "right" : "WRONG", dx, dy, framesPresent));
      for (Colour c : Colour.values()) {
        s.append(' ').append(c.word()).append('=').append(pixels[c.ordinal()]);
      }
      return s.append(')').toString();
    }
  }

  private MotionScore() {}

  /**
   * @param frames {@code [F, H, W, 3]} RGB in [0, 1]
   */
  public static Result score(float[] frames, int numFrames, int height, int width, Colour colour,
      Direction direction) {
    Colour[] palette = Colour.values();
    float[][] rgb = paletteRgb();
    long[] pixels = new long[palette.length];
    double[] cx = new double[numFrames];
    double[] cy = new double[numFrames];
    boolean[] present = new boolean[numFrames];
    for (int f = 0; f < numFrames; f++) {
      double sx = 0;
      double sy = 0;
      int n = 0;
      for (int y = 0; y < height; y++) {
        for (int x = 0; x < width; x++) {
          int i = ((f * height + y) * width + x) * 3;
          int best = paletteColour(frames, i, rgb);
          if (best >= 0) {
            pixels[best]++;
            if (best == colour.ordinal()) {
              sx += x + 0.5;
              sy += y + 0.5;
              n++;
            }
          }
        }
      }
      if (n >= MIN_PIXELS) {
        present[f] = true;
        cx[f] = sx / n;
        cy[f] = sy / n;
      }
    }
    int framesPresent = 0;
    for (boolean p : present) {
      framesPresent += p ? 1 : 0;
    }
    boolean dominant = true;
    for (int c = 0; c < palette.length; c++) {
      if (c != colour.ordinal() && pixels[c] >= pixels[colour.ordinal()]) {
        dominant = false;
      }
    }
    boolean colourRight = dominant && framesPresent * 4 >= numFrames * 3;
    double dx = slope(cx, present) * (numFrames - 1);
    double dy = slope(cy, present) * (numFrames - 1);
    double along = direction.dx() * dx + direction.dy() * dy;
    double across = direction.dx() != 0 ? Math.abs(dy) : Math.abs(dx);
    double minTravel = 0.1 * Math.min(height, width);
    boolean directionRight = framesPresent >= 2 && along >= minTravel && along > across;
    return new Result(colourRight, directionRight, dx, dy, pixels, framesPresent);
  }

  /** The palette's colours as RGB in [0, 1], in {@link Colour} order. */
  static float[][] paletteRgb() {
    Colour[] palette = Colour.values();
    float[][] rgb = new float[palette.length][];
    for (int i = 0; i < palette.length; i++) {
      rgb[i] = palette[i].rgb();
    }
    return rgb;
  }

  /**
   * The index of the palette colour nearest to the pixel at {@code i} (its R; G and B follow), or -1 when none is
   * within {@link #MATCH_DISTANCE}.
   */
  static int paletteColour(float[] frames, int i, float[][] rgb) {
    int best = -1;
    double bestD = MATCH_DISTANCE;
    for (int c = 0; c < rgb.length; c++) {
      double dr = frames[i] - rgb[c][0];
      double dg = frames[i + 1] - rgb[c][1];
      double db = frames[i + 2] - rgb[c][2];
      double d = Math.sqrt(dr * dr + dg * dg + db * db);
      if (d < bestD) {
        bestD = d;
        best = c;
      }
    }
    return best;
  }

  /** Least-squares slope of {@code v} over the frame index, using the frames marked present (0 if fewer than 2). */
  static double slope(double[] v, boolean[] present) {
    double n = 0;
    double st = 0;
    double sv = 0;
    for (int f = 0; f < v.length; f++) {
      if (present[f]) {
        n++;
        st += f;
        sv += v[f];
      }
    }
    if (n < 2) {
      return 0;
    }
    double mt = st / n;
    double mv = sv / n;
    double num = 0;
    double den = 0;
    for (int f = 0; f < v.length; f++) {
      if (present[f]) {
        num += (f - mt) * (v[f] - mv);
        den += (f - mt) * (f - mt);
      }
    }
    return den == 0 ? 0 : num / den;
  }
}
