package dev.vidgen.bench;

import dev.vidgen.api.SaveOptions;
import dev.vidgen.api.Video;
import dev.vidgen.codec.Mp4Writer;
import java.io.ByteArrayOutputStream;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * How many frames per second does {@link Mp4Writer} turn into a finished, fast-start MP4, at the sizes vidgen
 * generates?
 *
 * <p>One operation is one frame: each invocation writes a whole {@value #FRAMES}-frame clip (colour conversion,
 * JCodec H.264 at the default quality, muxing to a temporary file, the fast-start rewrite into memory), and
 * {@link OperationsPerInvocation} divides by the frame count, so the score is frames per second. The clip is drawn
 * once per trial: smooth gradients with a moving disc and a moving bar, like generated video (pure noise would
 * measure a worst case nobody writes). The method returns the file size so the work cannot be optimised away.
 *
 * <p>HOW TO RUN (from the repository root, once the bench module's build produces a JMH jar):
 *
 * <pre>
 *   mvn -q -pl vidgen-bench -am package -DskipTests
 *   java -jar vidgen-bench/target/benchmarks.jar Mp4EncodeBenchmark
 *   java -jar vidgen-bench/target/benchmarks.jar Mp4EncodeBenchmark -p size=576x320 -f 1 -wi 2 -i 3
 * </pre>
 *
 * or run {@link #main(String[])} from an IDE with the module's classpath.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class Mp4EncodeBenchmark {
  static final int FRAMES = 16;
  static final int FPS = 8;

  /** Frame size, {@code WIDTHxHEIGHT}: ModelScope's default and a typical wide clip. */
  @Param({"256x256", "576x320"})
  public String size;

  private Video video;
  private Mp4Writer writer;

  @Setup(Level.Trial)
  public void setUp() {
    String[] wh = size.split("x");
    video = clip(Integer.parseInt(wh[0]), Integer.parseInt(wh[1]));
    writer = new Mp4Writer();
  }

  @Benchmark
  @OperationsPerInvocation(FRAMES)
  public int encodeClip() {
    ByteArrayOutputStream out = new ByteArrayOutputStream(1 << 20);
    writer.write(video, out, SaveOptions.DEFAULT);
    return out.size();
  }

  /** Gradients that drift, a moving disc and a moving bar: smooth content with motion. */
  static Video clip(int width, int height) {
    float[] rgb = new float[FRAMES * height * width * 3];
    for (int f = 0; f < FRAMES; f++) {
      float t = f / (float) (FRAMES - 1);
      float cx = width * (0.2f + 0.6f * t);
      float cy = height * 0.4f;
      float radius = Math.min(width, height) * 0.15f;
      for (int y = 0; y < height; y++) {
        for (int x = 0; x < width; x++) {
          int i = ((f * height + y) * width + x) * 3;
          float u = x / (float) width;
          float v = y / (float) height;
          float r = 0.25f + 0.6f * v;
          float g = 0.45f + 0.3f * (float) Math.sin(6.28f * (u + 0.3f * t));
          float b = 0.8f - 0.5f * v;
          float dx = x - cx;
          float dy = y - cy;
          // a soft-edged disc (anti-aliased over one pixel)
          float inside = Math.max(0f, Math.min(1f, radius - (float) Math.sqrt(dx * dx + dy * dy) + 0.5f));
          r += inside * (0.98f - r);
          g += inside * (0.85f - g);
          b += inside * (0.35f - b);
          boolean bar = Math.abs(y - height * (0.2f + 0.6f * t)) < height * 0.05f && u > 0.6f;
          rgb[i] = bar ? 0.2f : r;
          rgb[i + 1] = bar ? 0.6f : g;
          rgb[i + 2] = bar ? 0.3f : b;
        }
      }
    }
    return new Video(rgb, FRAMES, height, width, FPS, null);
  }

  public static void main(String[] args) throws RunnerException {
    Options options = new OptionsBuilder().include(Mp4EncodeBenchmark.class.getSimpleName()).build();
    new Runner(options).run();
  }
}
