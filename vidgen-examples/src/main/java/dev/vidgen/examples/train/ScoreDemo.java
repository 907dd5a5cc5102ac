package dev.vidgen.examples.train;

import dev.vidgen.api.GenerationRequest;
import dev.vidgen.api.Video;
import dev.vidgen.api.VideoPipeline;
import dev.vidgen.models.modelscope.TextToVideoSDPipeline;
import dev.vidgen.examples.train.MovingShapes.Subject;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;

/**
 * {@code vidgen score-demo}: judges a demo model the way a user meets it, through {@link VideoPipeline} and its own
 * scheduler: every one of the 60 captions ({@link Subject#all()}) with {@code --seeds} seeds each, scored by {@link
 * MotionScore}. Prints the share right overall, per direction and per colour, and (with {@code --verbose-cases})
 * every case. Used to choose the demo's default steps and guidance and to report its quality.
 */
public final class ScoreDemo {
  private ScoreDemo() {}

  /** Totals of one scoring run. */
  public record Summary(int right, int colourRight, int directionRight, int total) {}

  /** Entry point of {@code vidgen score-demo}; returns the exit code. */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    Path model = null;
    int seeds = 3;
    long firstSeed = 0;
    // the demo's settings: a folder loaded by path gets the family's defaults (16 frames, 50 steps), not the demo's
    int steps = TextToVideoSDPipeline.DEMO_STEPS;
    double guidance = TextToVideoSDPipeline.DEMO_GUIDANCE;
    int frames = TextToVideoSDPipeline.DEMO_FRAMES;
    boolean verbose = false;
    String scheduler = null;
    try {
      for (int i = 0; i < args.length; i++) {
        String a = args[i];
        switch (a) {
          case "--seeds" -> seeds = Integer.parseInt(value(args, ++i, a));
          case "--first-seed" -> firstSeed = Long.parseLong(value(args, ++i, a));
          case "--steps" -> steps = Integer.parseInt(value(args, ++i, a));
          case "--frames" -> frames = Integer.parseInt(value(args, ++i, a));
          case "--guidance" -> guidance = Double.parseDouble(value(args, ++i, a));
          case "--verbose-cases" -> verbose = true;
          case "--scheduler" -> scheduler = value(args, ++i, a);
          default -> {
            if (a.startsWith("-") || model != null) {
              throw new IllegalArgumentException("unexpected argument '" + a + "'");
            }
            model = Path.of(a);
          }
        }
      }
      if (model == null) {
        throw new IllegalArgumentException("the demo model folder is required");
      }
      if (!Files.isRegularFile(model.resolve("model_index.json"))) {
        throw new IllegalArgumentException(model + " is not a diffusers folder (no model_index.json)");
      }
      if (seeds < 1) {
        throw new IllegalArgumentException("--seeds must be >= 1 but was " + seeds);
      }
    } catch (IllegalArgumentException e) {
      err.println("score-demo: " + e.getMessage());
      err.println("usage: score-demo DEMO_DIR [--seeds N] [--first-seed S] [--steps N] [--guidance G] [--frames N] "
          + "[--scheduler NAME] [--verbose-cases]");
      return 2;
    }
    try (VideoPipeline loaded = VideoPipeline.load(model);
        VideoPipeline pipe = scheduler == null ? loaded : loaded.withScheduler(scheduler)) {
      if (scheduler != null) {
        out.println("score-demo: sampling with " + pipe.schedulerName());
      }
      Summary s = score(pipe, seeds, firstSeed, steps, guidance, frames, verbose, out);
      return s.right() * 10 >= s.total() * 9 ? 0 : 1;
    }
  }

  /**
   * Scores every caption with {@code seeds} seeds starting at {@code firstSeed} (caption {@code i}, seed {@code k}
   * uses {@code firstSeed + 1000 k + i}).
   *
   * @param steps denoising steps, or -1 for the model's default
   * @param guidance guidance scale, or NaN for the model's default
   * @param frames frames per video, or -1 for the model's default
   */
  public static Summary score(VideoPipeline pipe, int seeds, long firstSeed, int steps, double guidance, int frames,
      boolean verbose, PrintStream out) {
    List<Subject> all = Subject.all();
    EnumMap<MovingShapes.Direction, int[]> byDirection = new EnumMap<>(MovingShapes.Direction.class);
    EnumMap<MovingShapes.Colour, int[]> byColour = new EnumMap<>(MovingShapes.Colour.class);
    int right = 0;
    int colourRight = 0;
    int directionRight = 0;
    int total = 0;
    int litAhead = 0;
    List<String> wrong = new ArrayList<>();
    long t0 = System.nanoTime();
    for (int k = 0; k < seeds; k++) {
      for (int i = 0; i < all.size(); i++) {
        Subject s = all.get(i);
        long seed = firstSeed + 1000L * k + i;
        GenerationRequest.Builder b = GenerationRequest.builder().prompt(s.caption()).seed(seed);
        if (steps > 0) {
          b.steps(steps);
        }
        if (frames > 0) {
          b.frames(frames);
        }
        if (!Double.isNaN(guidance)) {
          b.guidanceScale(guidance);
        }
        Video v = pipe.generate(b.build());
        MotionScore.Result r = MotionScore.score(v.frames(), v.numFrames(), v.height(), v.width(), s.colour(),
            s.direction());
        total++;
        right += r.right() ? 1 : 0;
        colourRight += r.colourRight() ? 1 : 0;
        directionRight += r.directionRight() ? 1 : 0;
        count(byDirection.computeIfAbsent(s.direction(), d -> new int[2]), r.right());
        count(byColour.computeIfAbsent(s.colour(), c -> new int[2]), r.right());
        double light = lightAhead(v, s.direction());
        litAhead += light > 0.05 ? 1 : 0;
        String line = String.format(Locale.ROOT, "  '%s' seed %d: %s; background %+.2f brighter ahead", s.caption(),
            seed, r.describe(), light);
        if (verbose) {
          out.println(line);
        } else if (!r.right()) {
          wrong.add(line);
        }
      }
    }
    double secs = (System.nanoTime() - t0) / 1e9;
    out.printf(Locale.ROOT, "score-demo: %d/%d right (%.1f%%): colour %d, direction %d; %.2f s per video%n", right,
        total, 100.0 * right / total, colourRight, directionRight, secs / total);
    out.printf(Locale.ROOT, "  background brighter ahead than behind (by 0.05 or more; the --heading-light cue): "
        + "%d/%d%n", litAhead, total);
    StringBuilder d = new StringBuilder("  by direction:");
    byDirection.forEach((k, v) -> d.append(String.format(Locale.ROOT, " %s %d/%d", k.word(), v[0], v[1])));
    out.println(d);
    StringBuilder c = new StringBuilder("  by colour:");
    byColour.forEach((k, v) -> c.append(String.format(Locale.ROOT, " %s %d/%d", k.word(), v[0], v[1])));
    out.println(c);
    if (!verbose && !wrong.isEmpty()) {
      out.println("  wrong:");
      wrong.forEach(out::println);
    }
    return new Summary(right, colourRight, directionRight, total);
  }

  /**
   * Mean level of the background (pixels no palette colour is near) in the half of the frame the named direction
   * points to, minus that in the other half, over all frames: about 0 for the plain data set, 0.15-0.3 for clips
   * made with {@code --heading-light}.
   */
  static double lightAhead(Video v, MovingShapes.Direction d) {
    double[] sum = new double[2];
    long[] n = new long[2];
    float[][] palette = MotionScore.paletteRgb();
    float[] px = v.frames();
    int h = v.height();
    int w = v.width();
    for (int f = 0; f < v.numFrames(); f++) {
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          int i = ((f * h + y) * w + x) * 3;
          boolean colour = MotionScore.paletteColour(px, i, palette) >= 0;
          double along = d.dx() * (x + 0.5 - w / 2.0) + d.dy() * (y + 0.5 - h / 2.0);
          if (colour || along == 0) {
            continue;
          }
          int side = along > 0 ? 0 : 1;
          sum[side] += (px[i] + px[i + 1] + px[i + 2]) / 3.0;
          n[side]++;
        }
      }
    }
    return n[0] == 0 || n[1] == 0 ? 0 : sum[0] / n[0] - sum[1] / n[1];
  }

  private static void count(int[] rightTotal, boolean right) {
    rightTotal[0] += right ? 1 : 0;
    rightTotal[1]++;
  }

  private static String value(String[] args, int i, String option) {
    if (i >= args.length) {
      throw new IllegalArgumentException(option + " needs a value");
    }
    return args[i];
  }
}
