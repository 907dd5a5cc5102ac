package dev.vidgen.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.util.Statistics;

/**
 * The entry point of {@code benchmarks.jar}: with no arguments (or {@code --profile short|long}) it runs every
 * benchmark of the module in a profile, then the compute-efficiency/overhead report and the memory harness (each in a
 * fresh JVM), and writes a summary with the median and range of every measurement; with any other arguments it is
 * JMH's own command line ({@code java -jar benchmarks.jar SchedulerStepBenchmark -f 1}, {@code -h}, {@code -l}).
 *
 * <p>Profiles (times for a 2-core machine; see BENCHMARKS.md):
 *
 * <ul>
 *   <li>{@code short} (default, under 20 minutes: 14.5 on a slow day): 1 fork, 1 warm-up and 3–5 measured
 *       iterations per benchmark; the scaling grid without 32 frames at 32×32; the sampling loop at the small setting
 *       with 10 steps; efficiency at small and medium (3 repetitions), overhead at small (5 steps); a memory
 *       harness of 200 steps + 5 generations on the tiny model and the peak of one small generation.
 *   <li>{@code long} (about 2.5 hours): 2 forks and more iterations; the sampling loop also at medium with 25 steps;
 *       the whole scaling grid with ZeroScope's 576×320; the full-size ModelScope UNet (1.4B parameters); overhead at both
 *       settings (small: 25 steps, 5 rounds; medium: 10 steps, 3 rounds); the memory harness's full 1000 steps + 20
 *       generations on the ModelScope-shaped model and the peak of a medium generation.
 * </ul>
 *
 * <p>HOW TO RUN (from the repository root):
 *
 * <pre>
 *   mvn -q -pl vidgen-bench -am package -DskipTests
 *   java -jar vidgen-bench/target/benchmarks.jar                      # short profile, results in vidgen-bench-results/
 *   java -jar vidgen-bench/target/benchmarks.jar --profile long --out /tmp/results
 *   java -Dvidgen.threads=1 -jar vidgen-bench/target/benchmarks.jar  # libtorch intra-op threads (default: cores)
 * </pre>
 */
public final class BenchMain {
  /** One JMH run of a profile: a benchmark method (regex), its params, iterations and iteration time. */
  record Step(String include, String[][] params, int warmups, int iterations, int seconds, int forks) {}

  private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss");

  private BenchMain() {}

  public static void main(String[] args) throws Exception {
    if (args.length > 0 && !args[0].equals("--profile") && !args[0].equals("--out")) {
      org.openjdk.jmh.Main.main(args);
      return;
    }
    String profile = "short";
    Path out = null;
    for (int i = 0; i < args.length; i += 2) {
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException("usage: benchmarks.jar [--profile short|long] [--out DIR] | JMH options");
      }
      switch (args[i]) {
        case "--profile" -> profile = args[i + 1];
        case "--out" -> out = Path.of(args[i + 1]);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    if (!profile.equals("short") && !profile.equals("long") && !profile.equals("smoke")) {
      throw new IllegalArgumentException("--profile must be short or long (or smoke, a quick check of the "
          + "machinery), got " + profile);
    }
    if (out == null) {
      out = Path.of("vidgen-bench-results", profile + "-"
          + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
    }
    Files.createDirectories(out);
    run(profile, out);
  }

  static List<Step> steps(String profile) {
    if (profile.equals("smoke")) {
      return smokeSteps();
    }
    boolean longer = profile.equals("long");
    int forks = longer ? 2 : 1;
    List<Step> s = new ArrayList<>();
    s.add(new Step("MatmulPeakBenchmark.matmul", new String[0][], 3, longer ? 10 : 5, 1, forks));
    s.add(new Step("SchedulerStepBenchmark.step", new String[0][], 1, longer ? 10 : 5, 1, forks));
    s.add(new Step("UNetForwardBenchmark.forward", longer
        ? new String[][] {{"config", "tiny", "modelscope-shaped", "modelscope"}} : new String[0][], 1,
        longer ? 5 : 3, 2, forks));
    if (longer) {
      s.add(new Step("StepScalingBenchmark.step", new String[][] {{"latent", "16x16", "32x32", "40x72"}}, 1, 5, 2, 1));
    } else {
      // the grid without the two points UNetForwardBenchmark already measures (8 frames at 16x16 = small, 16 frames
      // at 32x32 = medium) and without 32 frames at 32x32 (a minute per call, four minutes of the profile on a slow
      // day; the long profile has it), to stay within the short profile's 20 minutes
      s.add(new Step("StepScalingBenchmark.step", new String[][] {{"frames", "8"}, {"latent", "32x32"}}, 1, 3, 2, 1));
      s.add(new Step("StepScalingBenchmark.step", new String[][] {{"frames", "16", "32"}, {"latent", "16x16"}}, 1, 3,
          2, 1));
    }
    s.add(new Step("VaeDecodeBenchmark.decodeFrame", longer ? new String[][] {{"latent", "16", "32"}}
        : new String[0][], 1, longer ? 10 : 5, 2, forks));
    if (longer) {
      s.add(new Step("SamplingLoopBenchmark.generate", new String[][] {{"setting", "small", "medium"},
          {"steps", "25"}}, 1, 5, 1, 1));
    } else {
      s.add(new Step("SamplingLoopBenchmark.generate", new String[0][], 1, 3, 1, 1));
    }
    s.add(new Step("Mp4EncodeBenchmark.encodeClip", new String[0][], 1, longer ? 5 : 3, 2, forks));
    return s;
  }

  /** Every benchmark once at its smallest size: checks that the profile machinery works (not a measurement). */
  private static List<Step> smokeSteps() {
    List<Step> s = new ArrayList<>();
    s.add(new Step("MatmulPeakBenchmark.matmul", new String[0][], 0, 1, 1, 1));
    s.add(new Step("SchedulerStepBenchmark.step", new String[][] {{"scheduler", "ddim", "euler-a"}}, 0, 1, 1, 1));
    s.add(new Step("UNetForwardBenchmark.forward", new String[][] {{"setting", "small"}}, 0, 1, 1, 1));
    s.add(new Step("StepScalingBenchmark.step", new String[][] {{"frames", "8"}, {"latent", "16x16"}}, 0, 1, 1, 1));
    s.add(new Step("VaeDecodeBenchmark.decodeFrame", new String[][] {{"latent", "16"}}, 0, 1, 1, 1));
    s.add(new Step("SamplingLoopBenchmark.generate", new String[][] {{"steps", "2"}}, 0, 1, 1, 1));
    s.add(new Step("Mp4EncodeBenchmark.encodeClip", new String[][] {{"size", "256x256"}}, 0, 1, 1, 1));
    return s;
  }

  private static void run(String profile, Path out) throws RunnerException, IOException, InterruptedException {
    boolean longer = profile.equals("long");
    boolean smoke = profile.equals("smoke");
    StringBuilder summary = new StringBuilder();
    summary.append("# vidgen benchmarks, ").append(profile).append(" profile, ").append(LocalDateTime.now()
        .format(DateTimeFormatter.ISO_LOCAL_DATE_TIME)).append("\n\n");
    summary.append("- machine: ").append(Machine.describe()).append("\n");
    summary.append("- ").append(BenchModels.threadsLine()).append("\n\n");
    summary.append("| benchmark | params | median | min | max | n | unit |\n|---|---|---:|---:|---:|---:|---|\n");
    long t0 = System.nanoTime();
    List<Step> steps = steps(profile);
    for (int i = 0; i < steps.size(); i++) {
      Step step = steps.get(i);
      String name = String.format(Locale.ROOT, "%02d-%s", i + 1, step.include().substring(0,
          step.include().indexOf('.')));
      ChainedOptionsBuilder o = new OptionsBuilder().include("dev\\.vidgen\\.bench\\." + step.include().replace(".",
              "\\.") + "$")
          .warmupIterations(step.warmups()).measurementIterations(step.iterations())
          .warmupTime(TimeValue.seconds(step.seconds())).measurementTime(TimeValue.seconds(step.seconds()))
          .forks(step.forks()).resultFormat(ResultFormatType.JSON).result(out.resolve(name + ".json").toString());
      for (String[] p : step.params()) {
        o.param(p[0], java.util.Arrays.copyOfRange(p, 1, p.length));
      }
      System.out.printf("%n[%s] step %d/%d: %s, load average %s%n", LocalDateTime.now().format(CLOCK), i + 1,
          steps.size(), step.include(), Machine.loadAverage());
      Collection<RunResult> results = new Runner(o.build()).run();
      System.out.printf("%n[%s] step %d/%d done, load average %s%n", LocalDateTime.now().format(CLOCK), i + 1,
          steps.size(), Machine.loadAverage());
      for (RunResult rr : results) {
        summary.append(row(rr)).append('\n');
      }
      Files.writeString(out.resolve("summary.md"), summary.toString());
    }
    summary.append("\n");
    Path eff = out.resolve("efficiency.md");
    Path effMedium = out.resolve("efficiency-medium.md");
    if (smoke) {
      child(ComputeEfficiency.class, List.of("--settings", "small", "--reps", "1", "--overhead-settings", "small",
          "--steps", "2", "--rounds", "1", "--out", eff.toString()));
    } else if (longer) {
      child(ComputeEfficiency.class, List.of("--settings", "small,medium", "--reps", "5", "--overhead-settings",
          "small", "--steps", "25", "--rounds", "5", "--out", eff.toString()));
      // the medium overhead with fewer steps and rounds: each round is two 5-minute generations
      child(ComputeEfficiency.class, List.of("--settings", "", "--overhead-settings", "medium", "--steps", "10",
          "--rounds", "3", "--out", effMedium.toString()));
    } else {
      // 3 repetitions and 5-step generations: the sampling loop at 10 steps is SamplingLoopBenchmark's job
      child(ComputeEfficiency.class, List.of("--settings", "small,medium", "--reps", "3", "--overhead-settings",
          "small", "--steps", "5", "--rounds", "3", "--out", eff.toString()));
    }
    Path mem = out.resolve("memory.md");
    child(MemoryHarness.class, smoke
        ? List.of("--model", "tiny", "--long-steps", "100", "--generations", "2", "--steps", "2", "--peak-setting",
            "small", "--out", mem.toString())
        : longer ? List.of("--model", "modelscope-shaped", "--setting", "small", "--long-steps", "1000",
            "--generations", "20", "--steps", "10", "--peak-setting", "medium", "--out", mem.toString())
        : List.of("--model", "tiny", "--long-steps", "200", "--generations", "5", "--steps", "10", "--peak-setting",
            "small", "--out", mem.toString()));
    for (Path p : List.of(eff, effMedium, mem)) {
      if (Files.exists(p)) {
        summary.append(Files.readString(p)).append("\n");
      }
    }
    summary.append(String.format(Locale.ROOT, "Total time of the %s profile: %.1f minutes; load average at the end: "
        + "%s%n", profile, (System.nanoTime() - t0) / 6e10, Machine.loadAverage()));
    Files.writeString(out.resolve("summary.md"), summary.toString());
    System.out.println();
    System.out.println(summary);
    System.out.println("Results: " + out.toAbsolutePath());
  }

  /** A summary row: median, min and max of the iteration scores (GFLOP/s added for the matmul). */
  static String row(RunResult rr) {
    Result<?> r = rr.getPrimaryResult();
    Statistics s = r.getStatistics();
    StringBuilder params = new StringBuilder();
    for (String k : rr.getParams().getParamsKeys()) {
      params.append(params.length() == 0 ? "" : ", ").append(k).append('=').append(rr.getParams().getParam(k));
    }
    String bench = rr.getParams().getBenchmark();
    bench = bench.substring(bench.lastIndexOf('.', bench.lastIndexOf('.') - 1) + 1);
    String row = String.format(Locale.ROOT, "| %s | %s | %.4g | %.4g | %.4g | %d | %s |", bench, params,
        s.getPercentile(50), s.getMin(), s.getMax(), s.getN(), r.getScoreUnit());
    if (bench.startsWith("MatmulPeakBenchmark") && r.getScoreUnit().equals("ms/op")) {
      int n = Integer.parseInt(rr.getParams().getParam("n"));
      double flops = MatmulPeakBenchmark.flops(n);
      row += String.format(Locale.ROOT, "%n| → GFLOP/s | n=%d | %.1f | %.1f | %.1f | %d | GFLOP/s |", n,
          flops / s.getPercentile(50) / 1e6, flops / s.getMax() / 1e6, flops / s.getMin() / 1e6, s.getN());
    }
    return row;
  }

  /** {@code -Dvidgen.*} settings of this JVM, passed on to the child JVMs (JMH's forks inherit this JVM's options). */
  static List<String> passThroughProperties() {
    List<String> out = new ArrayList<>();
    for (String k : List.of("vidgen.threads", "vidgen.bench.cache")) {
      String v = System.getProperty(k);
      if (v != null) {
        out.add("-D" + k + "=" + v);
      }
    }
    return out;
  }

  /** Runs a report main in a fresh JVM (clean RSS, deep JFR stacks), with this JVM's output. */
  static void child(Class<?> main, List<String> args) throws IOException, InterruptedException {
    System.out.printf("%n[%s] %s, load average %s%n", LocalDateTime.now().format(CLOCK), main.getSimpleName(),
        Machine.loadAverage());
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx2g");
    cmd.add("-XX:FlightRecorderOptions:stackdepth=512");
    cmd.addAll(passThroughProperties());
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(main.getName());
    cmd.addAll(args);
    int code = new ProcessBuilder(cmd).inheritIO().start().waitFor();
    if (code != 0) {
      System.out.println(main.getSimpleName() + " exited with " + code);
    }
  }
}
