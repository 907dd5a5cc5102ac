package dev.vidgen.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import dev.vidgen.noise.TorchGenerator;
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
 * What is this machine's float32 matrix-multiply peak through the engine vidgen uses? One {@code n×n · n×n} float32
 * matmul ({@code n = 2048}: {@code 2n³} = 17.2 GFLOP) through DJL on libtorch, after warm-up; GFLOP/s = 17.18 / the
 * time in seconds (the summary of {@link BenchMain} prints it). This is the denominator of the compute-efficiency
 * figure ({@link ComputeEfficiency} measures it again in its own run). Returns one element of the product (reading
 * the whole product back would add its copy to the time).
 *
 * <p>HOW TO RUN (from the repository root):
 *
 * <pre>
 *   mvn -q -pl vidgen-bench -am package -DskipTests
 *   java -jar vidgen-bench/target/benchmarks.jar MatmulPeakBenchmark
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class MatmulPeakBenchmark {
  @Param({"2048"})
  public int n;

  private NDManager manager;
  private NDArray a;
  private NDArray b;

  @Setup(Level.Trial)
  public void setUp() {
    System.out.println(BenchModels.threadsLine());
    manager = NDManager.newBaseManager(ai.djl.Device.cpu(), "PyTorch");
    a = new TorchGenerator(1).randn(manager, new Shape(n, n));
    b = new TorchGenerator(2).randn(manager, new Shape(n, n));
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    manager.close();
  }

  @Benchmark
  public float matmul() {
    try (NDScope scope = new NDScope()) {
      return a.matMul(b).getFloat(0, 0);
    }
  }

  /** FLOPs of one {@code n×n} matmul. */
  static double flops(int n) {
    return 2.0 * n * n * n;
  }

  public static void main(String[] args) throws RunnerException {
    new Runner(new OptionsBuilder().include(MatmulPeakBenchmark.class.getSimpleName()).build()).run();
  }
}
