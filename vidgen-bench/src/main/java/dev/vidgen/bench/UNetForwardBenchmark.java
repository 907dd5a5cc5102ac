package dev.vidgen.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import dev.vidgen.models.modelscope.UNet3DConditionModel;
import dev.vidgen.models.modelscope.UNet3DConfig;
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
 * How long does one denoiser call take, i.e. what does one denoising step cost? One {@link UNet3DConditionModel}
 * forward with classifier-free guidance (batch 2), for the ModelScope architecture at the tiny fixture config and at
 * the ModelScope-shaped config (real block structure, channels 128/256/512/512, 237M parameters; see {@link
 * BenchModels}), at the two settings: {@code small} = 128×128, 8 frames (latents 16×16) and {@code medium} =
 * 256×256, 16 frames (latents 32×32).
 *
 * <p>Weights are random ({@link dev.vidgen.weights.RandomWeights}), built once per trial; inputs are random
 * latents, timestep 500 and random text embeddings {@code [2, 77, cross_attention_dim]}. Each call runs in an
 * {@link NDScope} that frees everything it made, and returns the output's sum (a host scalar) so the work cannot be
 * skipped. The setup prints the parameter count. {@code -p config=modelscope} runs the full-size ModelScope UNet
 * (1.4B parameters, 5.7 GB of float32 weights).
 *
 * <p>HOW TO RUN (from the repository root):
 *
 * <pre>
 *   mvn -q -pl vidgen-bench -am package -DskipTests
 *   java -jar vidgen-bench/target/benchmarks.jar UNetForwardBenchmark
 *   java -jar vidgen-bench/target/benchmarks.jar UNetForwardBenchmark -p config=modelscope-shaped -p setting=medium
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1, time = 3)
@Measurement(iterations = 5, time = 3)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g"})
public class UNetForwardBenchmark {
  @Param({"tiny", "modelscope-shaped"})
  public String config;

  /** {@code small} (128×128, 8 frames) or {@code medium} (256×256, 16 frames). */
  @Param({"small", "medium"})
  public String setting;

  private Inputs in;

  @Setup(Level.Trial)
  public void setUp() {
    BenchModels.Setting s = BenchModels.Setting.of(setting);
    in = Inputs.create(config, s.frames, s.latent, s.latent);
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    in.close();
  }

  @Benchmark
  public float forward() {
    return in.forwardSum();
  }

  /** A random-weight UNet and one guidance batch of inputs for it; shared with the scaling benchmark. */
  static final class Inputs implements AutoCloseable {
    final BenchModels.Built<UNet3DConditionModel> unet;
    final NDManager inputs;
    final NDArray sample;
    final NDArray timestep;
    final NDArray encoderHiddenStates;

    private Inputs(BenchModels.Built<UNet3DConditionModel> unet, NDManager inputs, NDArray sample, NDArray timestep,
        NDArray encoderHiddenStates) {
      this.unet = unet;
      this.inputs = inputs;
      this.sample = sample;
      this.timestep = timestep;
      this.encoderHiddenStates = encoderHiddenStates;
    }

    static Inputs create(String config, int frames, int height, int width) {
      System.out.println(BenchModels.threadsLine());
      UNet3DConfig cfg = BenchModels.unetConfig(config);
      BenchModels.Built<UNet3DConditionModel> unet = BenchModels.randomUNet(cfg);
      System.out.printf("UNet3DConditionModel '%s': block_out_channels %s, %,d parameters%n", config,
          cfg.blockOutChannels(), unet.parameters());
      NDManager m = NDManager.newBaseManager(ai.djl.Device.cpu(), "PyTorch");
      NDArray sample = new TorchGenerator(1).randn(m, new Shape(2, cfg.inChannels(), frames, height, width));
      NDArray timestep = m.create(new float[] {500f});
      NDArray encoder = new TorchGenerator(2).randn(m, new Shape(2, 77, cfg.crossAttentionDim()));
      return new Inputs(unet, m, sample, timestep, encoder);
    }

    float forwardSum() {
      try (NDScope scope = new NDScope()) {
        NDArray out = unet.model().forward(sample, timestep, encoderHiddenStates);
        return out.sum().getFloat();
      }
    }

    @Override
    public void close() {
      inputs.close();
      unet.close();
    }
  }

  public static void main(String[] args) throws RunnerException {
    new Runner(new OptionsBuilder().include(UNetForwardBenchmark.class.getSimpleName()).build()).run();
  }
}
