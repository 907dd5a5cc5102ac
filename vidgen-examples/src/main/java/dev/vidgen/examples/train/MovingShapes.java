package dev.vidgen.examples.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * The synthetic data set the demo model is trained on: short clips of one flat-coloured shape moving in a straight
 * line across a dark, neutral background (plain or a soft gradient), each captioned exactly {@code a {colour}
 * {shape} moving {direction}}. Rendering is anti-aliased (4×4 super-sampling). Deterministic for a seed.
 *
 * <p>Per clip the random choices are: colour, shape, direction, size (radius 4–6 px at 32×32, scaled with the
 * size), speed (2–3 px per frame at 32×32 and 8 frames, so the object crosses half to two thirds of the frame;
 * less when a large shape would leave it), the position across the motion, the start along it (the shape stays
 * fully inside every frame), and the background (grey level 0–0.18; a third of the clips have a vertical or
 * horizontal gradient to another level in that range).
 */
public final class MovingShapes {

  /** The colours a caption may name, as pure sRGB values. */
  public enum Colour {
    RED(255, 0, 0),
    GREEN(0, 204, 0),
    BLUE(0, 0, 255),
    YELLOW(255, 255, 0),
    WHITE(255, 255, 255);

    private final int r;
    private final int g;
    private final int b;

    Colour(int r, int g, int b) {
      this.r = r;
      this.g = g;
      this.b = b;
    }

    /** The colour as RGB in [0, 1]. */
    public float[] rgb() {
      return new float[] {r / 255f, g / 255f, b / 255f};
    }

    public String word() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** The shapes a caption may name. */
  public enum ShapeKind {
    CIRCLE,
    SQUARE,
    TRIANGLE;

    public String word() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** Directions of motion, in image coordinates (x to the right, y down). */
  public enum Direction {
    LEFT(-1, 0),
    RIGHT(1, 0),
    UP(0, -1),
    DOWN(0, 1);

    private final int dx;
    private final int dy;

    Direction(int dx, int dy) {
      this.dx = dx;
      this.dy = dy;
    }

    public int dx() {
      return dx;
    }

    public int dy() {
      return dy;
    }

    public String word() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** What a caption names. */
  public record Subject(Colour colour, ShapeKind shape, Direction direction) {
    /** {@code a {colour} {shape} moving {direction}}. */
    public String caption() {
      return "a " + colour.word() + " " + shape.word() + " moving " + direction.word();
    }

    /** Every combination: 5 colours × 3 shapes × 4 directions = 60 captions. */
    public static List<Subject> all() {
      List<Subject> out = new ArrayList<>();
      for (Colour c : Colour.values()) {
        for (ShapeKind s : ShapeKind.values()) {
          for (Direction d : Direction.values()) {
            out.add(new Subject(c, s, d));
          }
        }
      }
      return out;
    }
  }

  /** One rendered clip: frames {@code [F, H, W, 3]} in [0, 1], RGB. */
  public record Clip(Subject subject, float[] frames, int numFrames, int height, int width) {
    public String caption() {
      return subject.caption();
    }
  }

  private static final int SUPERSAMPLE = 4;

  private final int numFrames;
  private final int height;
  private final int width;
  private final boolean edgeToEdge;
  private final int trailGhosts;
  private final boolean headingLight;

  /** Spacing, in frames of motion, of the trail's ghost copies. */
  private static final double TRAIL_SPACING = 0.75;
  /** Opacity of a ghost that would sit on the object; ghost {@code k} of {@code n} has {@code (n + 1 - k) / (n + 1)} of it. */
  private static final double TRAIL_OPACITY = 0.6;

  public MovingShapes(int numFrames, int height, int width) {
    this(numFrames, height, width, false, 0);
  }

  /**
   * @param edgeToEdge every clip crosses the whole frame: it starts touching the side it comes from and ends
   *     touching the opposite side (speed follows from the size), so a caption fixes where the object is in each
   *     frame along its motion, and only the position across it is free
   * @param trailGhosts 0 for none; else every frame shows a fading trail behind the object, this many ghost copies
   *     0.75, 1.5, 2.25... frames of motion behind it with falling opacity (three: 0.45, 0.3, 0.15; five: 0.5, 0.4,
   *     0.3, 0.2, 0.1), a comet-like motion blur, so that each frame on its own shows which way the object goes; a
   *     lone ghost's blended colour stays farther than {@link MotionScore#MATCH_DISTANCE} from the palette
   */
  public MovingShapes(int numFrames, int height, int width, boolean edgeToEdge, int trailGhosts) {
    this(numFrames, height, width, edgeToEdge, trailGhosts, false);
  }

  /**
   * @param headingLight every background is a gradient along the motion, dark where the object comes from and
   *     0.15-0.3 brighter where it goes (levels 0-0.42), so that every frame, as a whole, shows the heading: a cue
   *     the caption can set in each frame at once, as it sets the colour
   */
  public MovingShapes(int numFrames, int height, int width, boolean edgeToEdge, int trailGhosts,
      boolean headingLight) {
    if (numFrames < 2 || height < 16 || width < 16) {
      throw new IllegalArgumentException("clips need at least 2 frames of 16x16, got " + numFrames + "x" + height
          + "x" + width);
    }
    if (trailGhosts < 0 || trailGhosts > 8) {
      throw new IllegalArgumentException("trail ghosts must be 0 to 8, got " + trailGhosts);
    }
    this.numFrames = numFrames;
    this.height = height;
    this.width = width;
    this.edgeToEdge = edgeToEdge;
    this.trailGhosts = trailGhosts;
    this.headingLight = headingLight;
  }

  public int numFrames() {
    return numFrames;
  }

  public int height() {
    return height;
  }

  public int width() {
    return width;
  }

  /** A clip of a random subject. */
  public Clip sample(SplittableRandom rng) {
    Subject s = new Subject(pick(rng, Colour.values()), pick(rng, ShapeKind.values()), pick(rng, Direction.values()));
    return sample(s, rng);
  }

  /** A clip of the given subject with random size, speed, placement and background. */
  public Clip sample(Subject subject, SplittableRandom rng) {
    double scale = Math.min(height, width) / 32.0;
    double radius = (4.0 + 2.0 * rng.nextDouble()) * scale;
    // at 32x32 and 8 frames: 2-3 px per frame; scaled so that the travelled fraction of the frame is the same
    double speed = (2.0 + 1.0 * rng.nextDouble()) * scale * 7.0 / (numFrames - 1);
    double travel = speed * (numFrames - 1);
    Direction d = subject.direction();
    double along = d.dx() != 0 ? width : height;
    double across = d.dx() != 0 ? height : width;
    double margin = radius + 0.5;
    double maxTravel = along - 2 * margin;
    if (travel > maxTravel || edgeToEdge) {
      travel = maxTravel;
      speed = travel / (numFrames - 1);
    }
    // start so that the whole path stays inside: the position along the axis at frame 0 (in the motion's sense)
    double startAlong = margin + rng.nextDouble() * (maxTravel - travel);
    double posAcross = margin + rng.nextDouble() * (across - 2 * margin);
    float bg0;
    float bg1;
    int gdx; // the background's level goes from bg0 to bg1 along (gdx, gdy)
    int gdy;
    if (headingLight) {
      bg0 = (float) (0.12 * rng.nextDouble());
      bg1 = bg0 + (float) (0.15 + 0.15 * rng.nextDouble());
      gdx = d.dx();
      gdy = d.dy();
    } else {
      bg0 = (float) (0.18 * rng.nextDouble());
      bg1 = rng.nextInt(3) != 0 ? bg0 : (float) (0.18 * rng.nextDouble()); // a third have a gradient
      boolean vertical = rng.nextBoolean();
      gdx = vertical ? 0 : 1;
      gdy = vertical ? 1 : 0;
    }
    float[] frames = new float[numFrames * height * width * 3];
    for (int f = 0; f < numFrames; f++) {
      double t = startAlong + f * speed; // distance from the side the object starts at
      double cx;
      double cy;
      switch (d) {
        case RIGHT -> {
          cx = t;
          cy = posAcross;
        }
        case LEFT -> {
          cx = width - t;
          cy = posAcross;
        }
        case DOWN -> {
          cx = posAcross;
          cy = t;
        }
        default -> {
          cx = posAcross;
          cy = height - t;
        }
      }
      // layers {cx, cy, opacity}, painted in order: the trail's ghosts (farthest first), then the object
      List<double[]> layers = new ArrayList<>();
      for (int k = trailGhosts; k >= 1; k--) {
        double back = k * TRAIL_SPACING * speed;
        double alpha = TRAIL_OPACITY * (trailGhosts + 1 - k) / (trailGhosts + 1);
        layers.add(new double[] {cx - d.dx() * back, cy - d.dy() * back, alpha});
      }
      layers.add(new double[] {cx, cy, 1.0});
      render(frames, f, subject, layers, radius, bg0, bg1, gdx, gdy);
    }
    return new Clip(subject, frames, numFrames, height, width);
  }

  private void render(float[] out, int frame, Subject s, List<double[]> layers, double radius, float bg0, float bg1,
      int gdx, int gdy) {
    float[] fg = s.colour().rgb();
    int base = frame * height * width * 3;
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        float g = gdx != 0 ? x / (float) (width - 1) : y / (float) (height - 1);
        if (gdx < 0 || gdy < 0) {
          g = 1 - g;
        }
        float bg = bg0 + (bg1 - bg0) * g;
        float[] px = {bg, bg, bg};
        for (double[] layer : layers) {
          float a = (float) layer[2] * coverage(s.shape(), x - layer[0], y - layer[1], radius);
          for (int c = 0; c < 3; c++) {
            px[c] += (fg[c] - px[c]) * a; // "over" compositing of a flat colour
          }
        }
        int i = base + (y * width + x) * 3;
        System.arraycopy(px, 0, out, i, 3);
      }
    }
  }

  /**
   * The fraction of the pixel whose top-left corner is {@code (u, v)} relative to the shape's centre that the shape
   * covers ({@value #SUPERSAMPLE}x{@value #SUPERSAMPLE} samples).
   */
  private static float coverage(ShapeKind shape, double u, double v, double radius) {
    double step = 1.0 / SUPERSAMPLE;
    int inside = 0;
    for (int sy = 0; sy < SUPERSAMPLE; sy++) {
      for (int sx = 0; sx < SUPERSAMPLE; sx++) {
        if (contains(shape, u + (sx + 0.5) * step, v + (sy + 0.5) * step, radius)) {
          inside++;
        }
      }
    }
    return inside / (float) (SUPERSAMPLE * SUPERSAMPLE);
  }

  /** Whether the point {@code (u, v)} relative to the centre lies inside the shape of the given radius. */
  private static boolean contains(ShapeKind shape, double u, double v, double r) {
    return switch (shape) {
      case CIRCLE -> u * u + v * v <= r * r;
      case SQUARE -> Math.abs(u) <= 0.85 * r && Math.abs(v) <= 0.85 * r;
      case TRIANGLE -> {
        // apex up at (0, -r), base from (-r, r) to (r, r)
        if (v > r || v < -r) {
          yield false;
        }
        double halfWidth = r * (v + r) / (2 * r);
        yield Math.abs(u) <= halfWidth;
      }
    };
  }

  private static <T> T pick(SplittableRandom rng, T[] values) {
    return values[rng.nextInt(values.length)];
  }
}
