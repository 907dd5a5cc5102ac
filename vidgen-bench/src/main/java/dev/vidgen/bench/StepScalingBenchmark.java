package dev.vidgen.bench;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * How does the time of one denoising step grow with the number of frames and with the resolution? One
 * ModelScope-shaped UNet forward (batch 2 for guidance, as in {@link UNetForwardBenchmark}) for 8, 16 and 32 frames
 * at latents 16×16 (128×128 pixels) and 32×32 (256×256). Convolutions and spatial attention grow linearly with the
 * frame count; temporal attention grows with its square but is short (one token per frame); spatial attention grows
 * with the square of the latent area. {@code -p latent=40x72} adds ZeroScope's 576×320.
 *
 * <p>HOW TO RUN (from the repository root):
 *
 * <pre>
 *   mvn -q -pl vidgen-bench -am package -DskipTests
 *   java -jar vidgen-bench/target/benchmarks.jar StepScalingBenchmark
 *   java -jar vidgen-bench/target/benchmarks.jar StepScalingBenchmark -p frames=8,16 -p latent=16x16,32x32,40x72
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1, time = 3)
@Measurement(iterations = 3, time = 3)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g"})
public class StepScalingBenchmark {
  @Param({"8", "16", "32"})
  public int frames;

  /** Latent {@code HEIGHTxWIDTH} (pixels are 8× that). */
  @Param({"16x16", "32x32"})
  public String latent;

  @Param({"modelscope-shaped"})
  public String config;

  private UNetForwardBenchmark.Inputs in;

  @Setup(Level.Trial)
  public void setUp() {
    String[] hw = latent.split("x");
    in = UNetForwardBenchmark.Inputs.create(config, frames, Integer.parseInt(hw[0]), Integer.parseInt(hw[1]));
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    in.close();
  }

  @Benchmark
  public float step() {
    return in.forwardSum();
  }

  public static void main(String[] args) throws RunnerException {
    new Runner(new OptionsBuilder().include(StepScalingBenchmark.class.getSimpleName()).build()).run();
  }
}
