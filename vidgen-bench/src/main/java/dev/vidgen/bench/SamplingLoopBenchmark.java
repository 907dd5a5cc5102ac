package dev.vidgen.bench;

import dev.vidgen.api.GenerationInfo;
import dev.vidgen.api.GenerationRequest;
import dev.vidgen.api.Video;
import dev.vidgen.api.VideoPipeline;
import java.nio.file.Path;
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
 * How long does a whole generation take: prompt encoding (prompt and negative prompt), {@code steps} denoising steps
 * with classifier-free guidance, and per-frame VAE decoding, through the public API ({@link VideoPipeline#generate})?
 *
 * <p>Configs: {@code tiny} is the embedded {@code modelscope-tiny-random} model (the diffusers fixture); {@code
 * modelscope-shaped} is a full diffusers folder written once by {@link RandomModelFolder} (ModelScope-shaped UNet,
 * 237M parameters; the real ModelScope text encoder, 23 layers of 1024, and VAE; random weights) and loaded by
 * {@link VideoPipeline#load(Path)}, so the benchmark runs exactly the code a user runs, strict loading and the
 * {@code TextToVideoSDPipeline} recipe included. (Composing the components by hand would measure a copy of the
 * recipe, not the recipe.) Settings as in {@link UNetForwardBenchmark}. Guidance 9 (ModelScope's default), DDIM,
 * fixed seed. Per-iteration averages of the pipeline's own encode / denoise / decode times are printed to the log.
 *
 * <p>HOW TO RUN (from the repository root; the first run writes the 2.7 GB random-weight folder to
 * {@code ~/.cache/vidgen/bench}, or {@code -jvmArgsAppend -Dvidgen.bench.cache=DIR}):
 *
 * <pre>
 *   mvn -q -pl vidgen-bench -am package -DskipTests
 *   java -jar vidgen-bench/target/benchmarks.jar SamplingLoopBenchmark
 *   java -jar vidgen-bench/target/benchmarks.jar SamplingLoopBenchmark -p config=modelscope-shaped -p setting=medium -p steps=25
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 1, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g"})
public class SamplingLoopBenchmark {
  @Param({"tiny", "modelscope-shaped"})
  public String config;

  @Param({"small"})
  public String setting;

  @Param({"10"})
  public int steps;

  private VideoPipeline pipeline;
  private GenerationRequest request;
  private double encode;
  private double denoise;
  private double decode;
  private int calls;

  @Setup(Level.Trial)
  public void setUp() {
    System.out.println(BenchModels.threadsLine());
    pipeline = open(config);
    request = request(BenchModels.Setting.of(setting), steps);
  }

  /** The pipeline of a benchmark config (the random-weight folder is written on first use). */
  static VideoPipeline open(String config) {
    return switch (config) {
      case "tiny" -> VideoPipeline.load("modelscope-tiny-random");
      case "modelscope-shaped", "modelscope" -> VideoPipeline.load(RandomModelFolder.get(config));
      default -> throw new IllegalArgumentException("unknown config '" + config
          + "': expected tiny, modelscope-shaped or modelscope");
    };
  }

  /** The benchmark's request: guidance 9 (two UNet rows per step), DDIM as configured, a fixed seed. */
  static GenerationRequest request(BenchModels.Setting s, int steps) {
    return GenerationRequest.builder().prompt("an astronaut riding a horse on the moon").frames(s.frames)
        .height(s.pixels()).width(s.pixels()).steps(steps).guidanceScale(9.0).seed(42).build();
  }

  @TearDown(Level.Iteration)
  public void report() {
    if (calls > 0) {
      System.out.printf("%n  per generation (mean of %d): encode %.3f s, denoise %.3f s (%.3f s/step), decode %.3f s%n",
          calls, encode / calls, denoise / calls, denoise / calls / steps, decode / calls);
    }
    encode = denoise = decode = 0;
    calls = 0;
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    pipeline.close();
  }

  @Benchmark
  public float generate() {
    Video v = pipeline.generate(request);
    GenerationInfo info = v.info();
    encode += info.encodeTime().toNanos() / 1e9;
    denoise += info.denoiseTime().toNanos() / 1e9;
    decode += info.decodeTime().toNanos() / 1e9;
    calls++;
    return v.frames()[0];
  }

  public static void main(String[] args) throws RunnerException {
    new Runner(new OptionsBuilder().include(SamplingLoopBenchmark.class.getSimpleName()).build()).run();
  }
}
