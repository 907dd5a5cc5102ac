package dev.vidgen.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.vidgen.api.GenerationInfo;
import dev.vidgen.api.GenerationRequest;
import dev.vidgen.api.Video;
import dev.vidgen.api.VideoPipeline;
import dev.vidgen.models.autoencoders.AutoencoderKL;
import dev.vidgen.models.modelscope.TextToVideoSDPipeline;
import dev.vidgen.models.modelscope.UNet3DConditionModel;
import dev.vidgen.models.modelscope.UNet3DConfig;
import dev.vidgen.nn.FlopCounter;
import dev.vidgen.noise.TorchGenerator;
import dev.vidgen.text.CLIPTextModel;
import dev.vidgen.text.ClipTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * How close does the denoiser come to this machine's compute peak, and how much of a generation's wall time is
 * spent outside the model calls?
 *
 * <p><b>Compute efficiency.</b> The FLOPs of one ModelScope-shaped UNet forward (batch 2 for guidance), counted by
 * {@link FlopCounter} from the actual shapes of every convolution, linear layer and attention matmul (a multiply-add
 * is 2 FLOPs; norms and activations are not counted), divided by its median time, as a fraction of the float32
 * matmul peak (a 2048×2048 matmul through the same engine, measured in the same process before and after). For
 * reference: the same UNet traced from diffusers and run through DJL on the same libtorch reaches about 66% of peak
 * at the small setting and 51% at medium.
 *
 * <p><b>Overhead.</b> The share of a generation's wall time spent outside the denoiser, decoder and text-encoder
 * calls (Java and JNI bookkeeping, scheduler, guidance arithmetic, reshapes, scopes, post-processing), measured two
 * ways on the ModelScope-shaped random-weight pipeline ({@link RandomModelFolder}) through {@link
 * VideoPipeline#generate}: (1) timing: the generation's wall time against the sum of the same component calls made
 * directly on the same weights, alternating the two, median over rounds; (2) sampling: JFR samples of one
 * generation attributed to the outermost component on the stack ({@link JfrAttribution}), which also gives the share
 * of time the thread spends running Java code rather than libtorch kernels. Goal: under 2%.
 *
 * <p>HOW TO RUN (from the repository root; the short profile of {@link BenchMain} runs it too):
 *
 * <pre>
 *   mvn -q -pl vidgen-bench -am package -DskipTests
 *   java -XX:FlightRecorderOptions:stackdepth=512 -cp vidgen-bench/target/benchmarks.jar dev.vidgen.bench.ComputeEfficiency
 *   java ... dev.vidgen.bench.ComputeEfficiency --settings small,medium --reps 5 --overhead-settings small,medium --steps 25
 * </pre>
 */
public final class ComputeEfficiency {
  static final String USAGE = "ComputeEfficiency [--config modelscope-shaped] [--settings small,medium] [--reps 5] "
      + "[--overhead-settings small] [--steps 10] [--rounds 3] [--out FILE.md]";

  private final StringBuilder report = new StringBuilder();

  public static void main(String[] args) throws IOException {
    Args a = new Args(args, Map.of("config", "modelscope-shaped", "settings", "small,medium", "reps", "5",
        "overhead-settings", "small", "steps", "10", "rounds", "3", "out", ""), USAGE);
    ComputeEfficiency c = new ComputeEfficiency();
    c.run(a);
    if (!a.get("out").isBlank()) {
      Path out = Path.of(a.get("out"));
      if (out.getParent() != null) {
        Files.createDirectories(out.getParent());
      }
      Files.writeString(out, c.report.toString());
    }
  }

  private void line(String format, Object... args) {
    String s = String.format(format, args);
    System.out.println(s);
    report.append(s).append('\n');
  }

  private void run(Args a) {
    line("## Compute efficiency and overhead");
    line("");
    line("- machine: %s", Machine.describe());
    line("- %s", BenchModels.threadsLine());
    line("");
    String config = a.get("config");
    List<BenchModels.Setting> settings = a.getList("settings").stream().map(BenchModels.Setting::of).toList();
    if (!settings.isEmpty()) {
      efficiency(config, settings, a.getInt("reps"));
    }
    for (String s : a.getList("overhead-settings")) {
      overhead(config, BenchModels.Setting.of(s), a.getInt("steps"), a.getInt("rounds"));
    }
  }

  /** FLOPs ÷ median time of the UNet forward at each setting, against the matmul peak before and after. */
  private void efficiency(String config, List<BenchModels.Setting> settings, int reps) {
    double peakBefore = matmulPeak();
    line("matmul peak (2048×2048 float32, median of 10 after warm-up): %.1f GFLOP/s", peakBefore / 1e9);
    line("");
    line("| %s UNet forward, CFG batch 2 | GFLOP | time s, median [min – max] (n) | GFLOP/s | of peak |", config);
    line("|---|---:|---|---:|---:|");
    UNet3DConfig cfg = BenchModels.unetConfig(config);
    try (BenchModels.Built<UNet3DConditionModel> unet = BenchModels.randomUNet(cfg)) {
      for (BenchModels.Setting s : settings) {
        try (NDManager m = NDManager.newBaseManager(ai.djl.Device.cpu(), "PyTorch")) {
          NDArray sample = new TorchGenerator(1).randn(m, new Shape(2, cfg.inChannels(), s.frames, s.latent, s.latent));
          NDArray t = m.create(new float[] {500f});
          NDArray enc = new TorchGenerator(2).randn(m, new Shape(2, 77, cfg.crossAttentionDim()));
          FlopCounter.start();
          forward(unet.model(), sample, t, enc); // counted, and the warm-up
          long flops = FlopCounter.stop();
          List<Double> times = new ArrayList<>();
          for (int i = 0; i < reps; i++) {
            long t0 = System.nanoTime();
            forward(unet.model(), sample, t, enc);
            times.add((System.nanoTime() - t0) / 1e9);
          }
          Stats st = Stats.of(times);
          double rate = flops / st.median();
          line("| %s (%dx%d, %d frames; %,d parameters) | %.1f | %s | %.1f | %.0f%% |", s.name().toLowerCase(),
              s.pixels(), s.pixels(), s.frames, unet.parameters(), flops / 1e9, st.format("%.3f"), rate / 1e9,
              100 * rate / peakBefore);
        }
      }
    }
    double peakAfter = matmulPeak();
    line("");
    line("matmul peak again after the UNet runs: %.1f GFLOP/s (%+.1f%% vs before; a large change means the machine's "
        + "load changed during the run)", peakAfter / 1e9, 100 * (peakAfter - peakBefore) / peakBefore);
    line("");
  }

  private static void forward(UNet3DConditionModel unet, NDArray sample, NDArray t, NDArray enc) {
    try (NDScope scope = new NDScope()) {
      unet.forward(sample, t, enc).getFloat(0, 0, 0, 0, 0);
    }
  }

  /** FLOP/s of a 2048² float32 matmul: 5 warm-up calls, median of 10. */
  static double matmulPeak() {
    int n = 2048;
    try (NDManager m = NDManager.newBaseManager(ai.djl.Device.cpu(), "PyTorch")) {
      NDArray a = new TorchGenerator(1).randn(m, new Shape(n, n));
      NDArray b = new TorchGenerator(2).randn(m, new Shape(n, n));
      List<Double> times = new ArrayList<>();
      for (int i = 0; i < 15; i++) {
        long t0 = System.nanoTime();
        try (NDScope scope = new NDScope()) {
          a.matMul(b).getFloat(0, 0);
        }
        if (i >= 5) {
          times.add((System.nanoTime() - t0) / 1e9);
        }
      }
      return MatmulPeakBenchmark.flops(n) / Stats.of(times).median();
    }
  }

  private void overhead(String config, BenchModels.Setting s, int steps, int rounds) {
    Path folder = RandomModelFolder.get(config);
    GenerationRequest req = SamplingLoopBenchmark.request(s, steps);
    line("### Sampling-loop overhead: %s, %s (%dx%d, %d frames), %d steps, guidance 9", config,
        s.name().toLowerCase(), s.pixels(), s.pixels(), s.frames, steps);
    line("");
    try (VideoPipeline p = VideoPipeline.load(folder);
        NDManager m = NDManager.newBaseManager(ai.djl.Device.cpu(), "PyTorch");
        ClipTokenizer tokenizer = ClipTokenizer.load(folder.resolve("tokenizer"))) {
      UNet3DConditionModel unet = UNet3DConditionModel.load(folder.resolve("unet"), m, DataType.FLOAT32);
      AutoencoderKL vae = AutoencoderKL.load(folder.resolve("vae"), m, DataType.FLOAT32);
      CLIPTextModel text = CLIPTextModel.load(folder.resolve("text_encoder"), m, DataType.FLOAT32);
      int c = unet.config().inChannels();
      NDArray sample = new TorchGenerator(1).randn(m, new Shape(2, c, s.frames, s.latent, s.latent));
      NDArray t = m.create(new float[] {500f});
      NDArray enc = new TorchGenerator(2).randn(m, new Shape(2, 77, unet.config().crossAttentionDim()));
      NDArray z = new TorchGenerator(3).randn(m, new Shape(s.frames, c, s.latent, s.latent));
      Runnable components = () -> {
        for (String prompt : new String[] {req.prompt(), ""}) {
          try (NDScope scope = new NDScope()) {
            long[] ids = tokenizer.encode(prompt);
            text.forward(m.create(ids, new Shape(1, ids.length))).getFloat(0, 0, 0);
          }
        }
        for (int i = 0; i < steps; i++) {
          forward(unet, sample, t, enc);
        }
        try (NDScope scope = new NDScope()) {
          // in the chunks the pipeline decodes in, so that both sides do the same work
          int chunk = TextToVideoSDPipeline.defaultDecodeChunk(s.frames, s.pixels(), s.pixels());
          vae.decode(z, chunk).getFloat(0, 0, 0, 0);
        }
      };
      // warm-up: one short generation and one component pass
      p.generate(req.toBuilder().steps(2).build());
      components.run();

      List<Double> loopTimes = new ArrayList<>();
      List<Double> componentTimes = new ArrayList<>();
      List<Double> shares = new ArrayList<>();
      List<Double> perStep = new ArrayList<>();
      List<Double> forwardTimes = new ArrayList<>();
      for (int r = 0; r < rounds; r++) {
        double loop = 0;
        double comps = 0;
        for (int order = 0; order < 2; order++) {
          boolean loopNow = (order == 0) == (r % 2 == 0); // alternate which goes first
          long t0 = System.nanoTime();
          if (loopNow) {
            Video v = p.generate(req);
            loop = (System.nanoTime() - t0) / 1e9;
            GenerationInfo info = v.info();
            perStep.add(info.denoiseTime().toNanos() / 1e9 / steps);
          } else {
            components.run();
            comps = (System.nanoTime() - t0) / 1e9;
          }
        }
        long t0 = System.nanoTime();
        forward(unet, sample, t, enc);
        forwardTimes.add((System.nanoTime() - t0) / 1e9);
        loopTimes.add(loop);
        componentTimes.add(comps);
        shares.add((loop - comps) / loop);
      }
      Stats loopSt = Stats.of(loopTimes);
      Stats compSt = Stats.of(componentTimes);
      Stats shareSt = Stats.of(shares);
      line("Timing (%d alternating rounds):", rounds);
      line("");
      line("- generation wall time: %s s", loopSt.format("%.3f"));
      line("- the same component calls made directly (2 text encodings, %d UNet forwards, 1 decode of %d frames): %s s",
          steps, s.frames, compSt.format("%.3f"));
      line("- **overhead share (generation − components) / generation: %s %%** (negative = within noise)",
          new Stats(100 * shareSt.median(), 100 * shareSt.min(), 100 * shareSt.max(), shareSt.n()).format("%.2f"));
      Stats stepSt = Stats.of(perStep);
      Stats fwdSt = Stats.of(forwardTimes);
      line("- per denoising step inside the generation: %s s; a bare UNet forward: %s s → %.2f%% per step",
          stepSt.format("%.4f"), fwdSt.format("%.4f"), 100 * (stepSt.median() - fwdSt.median()) / stepSt.median());
      line("");

      JfrAttribution.Result j = JfrAttribution.sample(() -> p.generate(req), 10);
      line("Sampling (JFR, one generation, %.1f s, every %d ms: %d samples of the generating thread, coverage %.0f%%):",
          j.wallNanos() / 1e9, j.periodMillis(), j.total(), 100 * j.coverage());
      line("");
      line("| part | share of samples | of which running Java code |");
      line("|---|---:|---:|");
      for (Map.Entry<String, Integer> e : j.samplesByPart().entrySet()) {
        int javaHere = j.javaByPart().getOrDefault(e.getKey(), 0);
        line("| %s | %.2f%% | %.2f%% |", e.getKey(), 100 * j.share(e.getKey()),
            j.total() == 0 ? 0 : 100.0 * javaHere / j.total());
      }
      line("| **all** | 100%% | **%.2f%%** |", j.total() == 0 ? 0 : 100.0 * j.javaSamples() / j.total());
      line("");
      if (!j.topOutside().isEmpty()) {
        line("Most frequent leaf frames outside the components: %s", j.topOutside());
        line("");
      }
    }
  }
}
