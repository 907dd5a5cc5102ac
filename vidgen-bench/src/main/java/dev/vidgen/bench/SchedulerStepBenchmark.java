package dev.vidgen.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import dev.vidgen.noise.TorchGenerator;
import dev.vidgen.schedulers.Scheduler;
import dev.vidgen.schedulers.SchedulerOptions;
import dev.vidgen.schedulers.SchedulerRun;
import dev.vidgen.schedulers.Schedulers;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * How long does one scheduler step take, for each scheduler family, on a ModelScope-sized latent
 * ({@code 1×4×16×32×32}: 256×256, 16 frames)? In other words: how much of a denoising step is the scheduler's?
 *
 * <p>One operation is one step: {@code scale_model_input} then {@code step}, as the pipeline calls them, each step in
 * its own {@link NDScope} with exactly one latent kept between steps. Steps of one run must be taken in order, so
 * each invocation is a fixed micro-loop over a whole {@value #STEPS}-step run (planning the run included, as a
 * generation pays it) and {@link OperationsPerInvocation} divides by the step count. The model output is a fixed
 * random tensor; Euler ancestral draws its noise from a seeded {@link TorchGenerator} on the CPU, as the pipeline
 * does (a fresh generator per run, as per generation). Scheduler configs are those of the scheduler fixtures
 * ({@code fixtures/schedulers/*}). The method returns the sum of the final latents so that no step can be optimised
 * away. {@link #plan()} times the planning alone.
 *
 * <p>HOW TO RUN (from the repository root):
 *
 * <pre>
 *   mvn -q -pl vidgen-bench -am package -DskipTests
 *   java -jar vidgen-bench/target/benchmarks.jar SchedulerStepBenchmark
 *   java -jar vidgen-bench/target/benchmarks.jar SchedulerStepBenchmark -p scheduler=dpm++2m -f 1 -wi 2 -i 5
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class SchedulerStepBenchmark {
  static final int STEPS = 25;

  /**
   * The scheduler family, by fixture: DDIM (ModelScope), DPM++ 2M, Euler, Euler ancestral, flow matching (LTX),
   * CogVideoX DDIM.
   */
  @Param({"ddim", "dpm++2m", "euler", "euler-a", "flowmatch", "cogvideox-ddim"})
  public String scheduler;

  private NDManager manager;
  private Scheduler sched;
  private NDArray initial;
  private NDArray modelOutput;
  private SchedulerOptions options;

  @Setup(Level.Trial)
  public void setUp() {
    System.out.println(BenchModels.threadsLine());
    String fixture = switch (scheduler) {
      case "ddim" -> "ddim-modelscope";
      case "dpm++2m" -> "dpmpp-2m";
      case "euler" -> "euler";
      case "euler-a" -> "euler-ancestral";
      case "flowmatch" -> "flowmatch-ltx";
      case "cogvideox-ddim" -> "cogvideox-ddim";
      default -> throw new IllegalArgumentException("unknown scheduler " + scheduler);
    };
    sched = Schedulers.fromConfig(BenchModels.resourceConfig("schedulers/" + fixture + "/scheduler_config.json"));
    options = SchedulerOptions.DEFAULT;
    if (fixture.equals("flowmatch-ltx")) {
      // use_dynamic_shifting: LTXPipeline passes mu = calculate_shift(frames * h * w, ...) (the fixture's value)
      options = options.withMu(0.5919270833333332);
    }
    manager = NDManager.newBaseManager(ai.djl.Device.cpu(), "PyTorch");
    Shape latent = new Shape(1, 4, 16, 32, 32);
    initial = new TorchGenerator(1).randn(manager, latent);
    modelOutput = new TorchGenerator(2).randn(manager, latent);
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    manager.close();
  }

  @Benchmark
  @OperationsPerInvocation(STEPS)
  public float step() {
    // a fresh seeded generator per run, as each generation makes one
    try (SchedulerRun run = sched.start(STEPS, options.withNoise(new TorchGenerator(11)))) {
      NDArray sample = initial;
      for (int i = 0; i < run.size(); i++) {
        NDArray next;
        try (NDScope scope = new NDScope()) {
          run.scaleModelInput(sample, i); // the model's input (closed with the scope); step takes the sample
          next = run.step(modelOutput, i, sample);
          NDScope.unregister(next);
        }
        if (sample != initial) {
          sample.close();
        }
        sample = next;
      }
      try (NDScope scope = new NDScope()) {
        float sum = sample.sum().getFloat();
        sample.close();
        return sum;
      }
    }
  }

  /**
   * The planning part alone ({@code set_timesteps}: timesteps, sigmas and coefficients computed on the host), per
   * step of the run, to tell it apart from the steps in {@link #step()}.
   */
  @Benchmark
  @OperationsPerInvocation(STEPS)
  public double plan() {
    try (SchedulerRun run = sched.start(STEPS, options.withNoise(new TorchGenerator(11)))) {
      return run.timesteps()[0];
    }
  }

  public static void main(String[] args) throws RunnerException {
    new Runner(new OptionsBuilder().include(SchedulerStepBenchmark.class.getSimpleName()).build()).run();
  }
}
