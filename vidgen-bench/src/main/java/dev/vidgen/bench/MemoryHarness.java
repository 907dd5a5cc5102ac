package dev.vidgen.bench;

import dev.vidgen.api.GenerationRequest;
import dev.vidgen.api.VideoPipeline;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Does memory stay flat over long runs, and how much does one generation need? A command-line harness (not JMH):
 *
 * <ol>
 *   <li><b>Long run:</b> one generation of {@code --long-steps} (1000) denoising steps, with DPM-Solver++ (the model's
 *       DDIM with leading spacing stops at 999 steps, as diffusers' does); the pipeline's live native
 *       arrays ({@link VideoPipeline#liveNativeArrays()}) and the process RSS ({@code VmRSS}) are sampled every 100
 *       steps from the progress listener.
 *   <li><b>Many generations:</b> {@code --generations} (20) full generations of {@code --steps} steps in the same
 *       JVM, with live arrays and RSS after each.
 *   <li><b>Peak:</b> on the {@code --peak-model} pipeline (default: the ModelScope-shaped random-weight folder of
 *       {@link RandomModelFolder}), the RSS before loading, after loading, and the peak RSS ({@code VmHWM}, reset
 *       after loading) during one generation, relative to the size of the weight files.
 * </ol>
 *
 * Live arrays must be exactly equal at every checkpoint between generations (after a first, short generation that
 * creates lazy engine state), and at every checkpoint during the long run. RSS is reported with its growth and its
 * least-squares slope per checkpoint (the allocator may keep freed pages, so a step up that stays is not a leak; a
 * rise at every generation is). Each checkpoint runs a GC first and shows the Java heap's share. {@link #run}
 * returns the checkpoints for the CI test ({@code MemoryHarnessTest}), which runs a short version on the tiny model.
 *
 * <p>HOW TO RUN (from the repository root):
 *
 * <pre>
 *   mvn -q -pl vidgen-bench -am package -DskipTests
 *   java -cp vidgen-bench/target/benchmarks.jar dev.vidgen.bench.MemoryHarness
 *   java -cp vidgen-bench/target/benchmarks.jar dev.vidgen.bench.MemoryHarness --model modelscope-shaped
 * </pre>
 */
public final class MemoryHarness {
  static final String USAGE = "MemoryHarness [--model tiny|modelscope-shaped|FOLDER] [--setting small|medium] "
      + "[--long-steps 1000] [--generations 20] [--steps 10] [--peak-model modelscope-shaped|none|FOLDER] "
      + "[--peak-setting medium] [--out FILE.md]";

  /**
   * One measurement: after which event, whether it was taken during a generation (whose own arrays are then alive),
   * live native arrays of the pipeline, process RSS and the JVM's committed heap (part of the RSS), in bytes.
   */
  record Checkpoint(String label, boolean during, long liveArrays, long rssBytes, long heapBytes) {
    static Checkpoint take(String label, boolean during, VideoPipeline p) {
      System.gc(); // so that the heap's share of the RSS reflects live objects, not garbage awaiting collection
      long heap = java.lang.management.ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getCommitted();
      return new Checkpoint(label, during, p.liveNativeArrays(), Machine.rssBytes(), heap);
    }

    long nonHeapRss() {
      return rssBytes - heapBytes;
    }
  }

  /** Peak memory of one generation (peak RSS sampled every 10 ms; {@code reset}: VmHWM could be reset). */
  record Peak(String model, long weightBytes, long rssBeforeLoad, long rssAfterLoad, long peakRss, boolean reset) {}

  /** Everything the harness measured. */
  record Report(List<Checkpoint> longRun, List<Checkpoint> generations, Peak peak) {
    /**
     * True when the live-array count is the same at every checkpoint between generations, and the same at every
     * checkpoint during the long run (which also counts that generation's own arrays: embeddings, latents).
     */
    boolean arraysFlat() {
      List<Checkpoint> all = new ArrayList<>(longRun);
      all.addAll(generations);
      for (boolean during : new boolean[] {false, true}) {
        List<Checkpoint> group = all.stream().filter(c -> c.during() == during).toList();
        if (!group.stream().allMatch(c -> c.liveArrays() == group.get(0).liveArrays())) {
          return false;
        }
      }
      return true;
    }
  }

  private final StringBuilder out = new StringBuilder();

  public static void main(String[] args) throws IOException {
    Args a = new Args(args, Map.of("model", "tiny", "setting", "small", "long-steps", "1000", "generations", "20",
        "steps", "10", "peak-model", "modelscope-shaped", "peak-setting", "medium", "out", ""), USAGE);
    MemoryHarness h = new MemoryHarness();
    Report r = h.run(a.get("model"), BenchModels.Setting.of(a.get("setting")), a.getInt("long-steps"),
        a.getInt("generations"), a.getInt("steps"), a.get("peak-model"), BenchModels.Setting.of(a.get("peak-setting")));
    if (!a.get("out").isBlank()) {
      Path p = Path.of(a.get("out"));
      if (p.getParent() != null) {
        Files.createDirectories(p.getParent());
      }
      Files.writeString(p, h.out.toString());
    }
    if (!r.arraysFlat()) {
      System.exit(1);
    }
  }

  private void line(String format, Object... args) {
    String s = String.format(format, args);
    System.out.println(s);
    out.append(s).append('\n');
  }

  /** Opens a pipeline by harness name: {@code tiny}, {@code modelscope-shaped}, {@code modelscope} or a folder. */
  static VideoPipeline open(String model) {
    Path asPath = Path.of(model);
    if (Files.isDirectory(asPath)) {
      return VideoPipeline.load(asPath);
    }
    return SamplingLoopBenchmark.open(model);
  }

  Report run(String model, BenchModels.Setting setting, int longSteps, int generations, int steps, String peakModel,
      BenchModels.Setting peakSetting) {
    line("## Memory harness");
    line("");
    line("- machine: %s", Machine.describe());
    line("- %s", BenchModels.threadsLine());
    line("- model %s, %s (%dx%d, %d frames), guidance 9", model, setting.name().toLowerCase(), setting.pixels(),
        setting.pixels(), setting.frames);
    line("");
    List<Checkpoint> longRun = new ArrayList<>();
    List<Checkpoint> gens = new ArrayList<>();
    try (VideoPipeline p = open(model)) {
      GenerationRequest base = SamplingLoopBenchmark.request(setting, steps);
      p.generate(base.toBuilder().steps(2).build()); // lazily created engine state, before the first checkpoint
      longRun.add(Checkpoint.take("before the long run", false, p));
      if (longSteps > 0) {
        GenerationRequest longReq = base.toBuilder().steps(longSteps).onStep(e -> {
          if (e.step() % 100 == 0 || e.step() == e.total()) {
            longRun.add(Checkpoint.take("during the long run, step " + e.step(), true, p));
          }
        }).build();
        // DPM-Solver++ (linspace timesteps) takes any step count up to the 1000 training steps; the model's DDIM
        // with "leading" spacing and steps_offset 1 would ask for timestep 1000 at 1000 steps, as in diffusers
        try (VideoPipeline longRunner = p.withScheduler("dpm++")) {
          longRunner.generate(longReq);
        }
        longRun.add(Checkpoint.take("after the long run (" + longSteps + " steps)", false, p));
      }
      for (int g = 1; g <= generations; g++) {
        p.generate(base);
        gens.add(Checkpoint.take("after generation " + g, false, p));
      }
    }
    table("Long run (" + longSteps + " steps in one generation, DPM-Solver++)", longRun);
    table(generations + " generations of " + steps + " steps", gens);
    Peak peak = null;
    if (!peakModel.equals("none")) {
      peak = peak(peakModel, peakSetting, steps);
    }
    Report r = new Report(longRun, gens, peak);
    line("**Live native arrays: %s.**", r.arraysFlat() ? "flat (identical at every checkpoint)" : "GROWING — a leak");
    return r;
  }

  private void table(String title, List<Checkpoint> cps) {
    if (cps.isEmpty()) {
      return;
    }
    line("### %s", title);
    line("");
    line("| checkpoint | live native arrays | RSS | of which Java heap (committed) | RSS − heap |");
    line("|---|---:|---:|---:|---:|");
    for (Checkpoint c : cps) {
      line("| %s | %d | %s | %s | %s |", c.label(), c.liveArrays(), Machine.mb(c.rssBytes()), Machine.mb(c.heapBytes()),
          Machine.mb(c.nonHeapRss()));
    }
    Checkpoint first = cps.get(0);
    Checkpoint last = cps.get(cps.size() - 1);
    line("");
    line("Live arrays %d → %d; RSS %s → %s (%+,.1f MB over %d checkpoints; least-squares slope %+,.2f MB per "
        + "checkpoint; RSS − heap slope %+,.2f MB per checkpoint)", first.liveArrays(), last.liveArrays(),
        Machine.mb(first.rssBytes()), Machine.mb(last.rssBytes()), (last.rssBytes() - first.rssBytes()) / 1048576.0,
        cps.size(), slopeMb(cps, Checkpoint::rssBytes), slopeMb(cps, Checkpoint::nonHeapRss));
    line("");
  }

  /** Least-squares slope of a byte count over checkpoint index, in MB per checkpoint. */
  static double slopeMb(List<Checkpoint> cps, java.util.function.ToLongFunction<Checkpoint> bytes) {
    int n = cps.size();
    if (n < 2) {
      return 0;
    }
    double mx = (n - 1) / 2.0;
    double my = cps.stream().mapToDouble(c -> bytes.applyAsLong(c) / 1048576.0).average().orElse(0);
    double num = 0;
    double den = 0;
    for (int i = 0; i < n; i++) {
      num += (i - mx) * (bytes.applyAsLong(cps.get(i)) / 1048576.0 - my);
      den += (i - mx) * (i - mx);
    }
    return num / den;
  }

  private Peak peak(String model, BenchModels.Setting s, int steps) {
    Path folder = Files.isDirectory(Path.of(model)) ? Path.of(model) : RandomModelFolder.get(model);
    long weights = RandomModelFolder.weightBytes(folder);
    releaseMappedFiles();
    long before = Machine.rssBytes();
    Peak peak;
    long[] sampled;
    line("### Peak memory of one generation: %s, %s (%dx%d, %d frames), %d steps", model, s.name().toLowerCase(),
        s.pixels(), s.pixels(), s.frames, steps);
    line("");
    line("Weights (safetensors files): %s. RSS = anonymous memory (Java heap, libtorch tensors) + file-backed pages "
        + "(the jar, native libraries, and the memory-mapped weight files until their buffers are collected).",
        Machine.mb(weights));
    line("");
    line("| moment | RSS | anonymous | file-backed | RSS ÷ weights |");
    line("|---|---:|---:|---:|---:|");
    rssRow("before loading", weights);
    try (VideoPipeline p = VideoPipeline.load(folder)) {
      rssRow("after loading", weights);
      releaseMappedFiles();
      long afterLoad = Machine.rssBytes();
      rssRow("after loading, once the weight files' buffers are collected", weights);
      boolean reset = Machine.resetPeakRss();
      try (PeakSampler sampler = new PeakSampler()) {
        p.generate(SamplingLoopBenchmark.request(s, steps));
        sampled = sampler.peaks();
      }
      peak = new Peak(model, weights, before, afterLoad, Machine.peakRssBytes(), reset);
      rssRow("after the generation", weights);
    }
    line("| **peak during the generation**, sampled every 10 ms | **%s** | **%s** | | **%.2f** |",
        Machine.mb(sampled[0]), Machine.mb(sampled[1]), sampled[0] / (double) weights);
    line("| peak during the generation, kernel high-water mark (VmHWM%s) | %s | | | %.2f |",
        peak.reset() ? ", reset after loading" : " since JVM start", Machine.mb(peak.peakRss()),
        peak.peakRss() / (double) weights);
    line("");
    line("Working memory of the generation beyond the loaded model (sampled peak − RSS after loading): %s (%.2f × "
        + "weights).", Machine.mb(sampled[0] - peak.rssAfterLoad()),
        (sampled[0] - peak.rssAfterLoad()) / (double) weights);
    line("");
    return new Peak(model, weights, before, peak.rssAfterLoad(), sampled[0], peak.reset());
  }

  /**
   * Unmaps weight-file buffers that are no longer referenced: the loader copies each tensor out of a memory-mapped
   * slice, and the JVM unmaps a slice only after a GC has found it unreachable and its cleaner has run.
   */
  private static void releaseMappedFiles() {
    for (int i = 0; i < 3; i++) {
      System.gc();
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /** Polls RSS and anonymous RSS every 10 ms on a daemon thread and keeps their maxima. */
  static final class PeakSampler implements AutoCloseable {
    private final Thread thread;
    private volatile boolean running = true;
    private volatile long maxRss;
    private volatile long maxAnon;

    PeakSampler() {
      thread = new Thread(() -> {
        while (running) {
          sample();
          try {
            Thread.sleep(10);
          } catch (InterruptedException e) {
            return;
          }
        }
      }, "rss-sampler");
      thread.setDaemon(true);
      thread.start();
    }

    private void sample() {
      maxRss = Math.max(maxRss, Machine.rssBytes());
      maxAnon = Math.max(maxAnon, Machine.rssAnonBytes());
    }

    /** {@code {peak RSS, peak anonymous RSS}} so far. */
    long[] peaks() {
      sample();
      return new long[] {maxRss, maxAnon};
    }

    @Override
    public void close() {
      running = false;
      try {
        thread.join(1000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void rssRow(String moment, long weights) {
    long rss = Machine.rssBytes();
    line("| %s | %s | %s | %s | %.2f |", moment, Machine.mb(rss), Machine.mb(Machine.rssAnonBytes()),
        Machine.mb(Machine.rssFileBytes()), rss / (double) weights);
  }
}
