package dev.vidgen.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import dev.vidgen.models.autoencoders.AutoencoderKL;
import dev.vidgen.models.autoencoders.AutoencoderKLConfig;
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
 * How long does the VAE take to decode one frame? ModelScope decodes every frame of the video separately with the
 * Stable Diffusion {@link AutoencoderKL} (its real config, {@code fixtures/manifests/modelscope-vae}, 84M
 * parameters, random weights), so a video costs frames × this. One operation decodes one latent frame
 * {@code [1, 4, h, w]}: {@code latent=32} gives 256×256 pixels (ModelScope's size), {@code -p latent=16} 128×128.
 * Returns the image's sum (a host scalar); everything the call makes is freed by an {@link NDScope}.
 *
 * <p>HOW TO RUN (from the repository root):
 *
 * <pre>
 *   mvn -q -pl vidgen-bench -am package -DskipTests
 *   java -jar vidgen-bench/target/benchmarks.jar VaeDecodeBenchmark
 *   java -jar vidgen-bench/target/benchmarks.jar VaeDecodeBenchmark -p latent=16,32
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1, time = 3)
@Measurement(iterations = 5, time = 3)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g"})
public class VaeDecodeBenchmark {
  /** Latent height and width (pixels are 8× that). */
  @Param({"32"})
  public int latent;

  private BenchModels.Built<AutoencoderKL> vae;
  private NDManager manager;
  private NDArray z;

  @Setup(Level.Trial)
  public void setUp() {
    System.out.println(BenchModels.threadsLine());
    vae = BenchModels.randomVae(AutoencoderKLConfig.parse(BenchModels.vaeJson()));
    System.out.printf("AutoencoderKL (ModelScope config): %,d parameters%n", vae.parameters());
    manager = NDManager.newBaseManager(ai.djl.Device.cpu(), "PyTorch");
    z = new TorchGenerator(3).randn(manager, new Shape(1, 4, latent, latent));
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    manager.close();
    vae.close();
  }

  @Benchmark
  public float decodeFrame() {
    try (NDScope scope = new NDScope()) {
      return vae.model().decode(z).sum().getFloat();
    }
  }

  public static void main(String[] args) throws RunnerException {
    new Runner(new OptionsBuilder().include(VaeDecodeBenchmark.class.getSimpleName()).build()).run();
  }
}
