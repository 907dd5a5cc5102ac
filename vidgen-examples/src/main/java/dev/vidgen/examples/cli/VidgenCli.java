package dev.vidgen.examples.cli;

import dev.vidgen.api.GenerationRequest;
import dev.vidgen.api.ModelInfo;
import dev.vidgen.api.Precision;
import dev.vidgen.api.SaveOptions;
import dev.vidgen.api.Video;
import dev.vidgen.api.VideoPipeline;
import dev.vidgen.check.Comparison;
import dev.vidgen.check.PipelineCaseRunner;
import dev.vidgen.check.SchedulerCaseRunner;
import dev.vidgen.hub.ModelLocator;
import dev.vidgen.hub.ModelResolver;
import dev.vidgen.models.modelscope.ModelScopeProvider;
import dev.vidgen.spi.ModelRegistry;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The {@code vidgen} command: {@code generate}, {@code pull}, {@code models}, {@code check}, {@code serve} (and the
 * demo model's {@code train-demo}, {@code score-demo}). Exit codes: 0 success, 1 a check, a download or a generation
 * failed, 2 bad usage or a case that cannot run.
 */
public final class VidgenCli {
  /**
   * The model {@code generate} uses without {@code --model}: the embedded demo model (trained in Java on moving
   * shapes, so the first command makes a video that matches its prompt) when this build ships it, else the embedded
   * tiny random-weight model, which proves the pipeline but draws noise.
   */
  public static final String DEFAULT_MODEL = ModelScopeProvider.demoShipped() ? "demo" : "modelscope-tiny-random";

  private final PrintStream out;
  private final PrintStream err;
  private final ModelLocator locator;

  public VidgenCli(PrintStream out, PrintStream err) {
    this(out, err, ModelLocator.system());
  }

  /** A command line that resolves models in the environment {@code locator} holds (tests, embedding hosts). */
  public VidgenCli(PrintStream out, PrintStream err, ModelLocator locator) {
    this.out = out;
    this.err = err;
    this.locator = locator;
  }

  public static void main(String[] args) {
    System.exit(new VidgenCli(System.out, System.err).run(args));
  }

  /** Runs a command line; returns the exit code. */
  public int run(String[] args) {
    List<String> rest = new ArrayList<>(List.of(args));
    boolean verbose = rest.remove("--verbose") | rest.remove("-v");
    if (rest.isEmpty() || rest.get(0).equals("-h") || rest.get(0).equals("--help") || rest.get(0).equals("help")) {
      out.print(USAGE);
      return rest.isEmpty() ? 2 : 0;
    }
    String cmd = rest.remove(0);
    try {
      return switch (cmd) {
        case "generate" -> generate(rest);
        case "pull" -> pull(rest);
        case "models" -> models();
        case "check" -> check(rest);
        case "train-demo" -> trainDemo(rest);
        case "score-demo" -> dev.vidgen.examples.train.ScoreDemo.run(rest.toArray(new String[0]), out, err);
        case "serve" -> dev.vidgen.server.ServeCommand.run(rest.toArray(new String[0]), out, err);
        default -> usage("unknown command '" + cmd + "'");
      };
    } catch (UsageException e) {
      return usage(e.getMessage());
    } catch (RuntimeException e) {
      err.println("vidgen: " + oneLine(e));
      if (verbose) {
        e.printStackTrace(err);
      } else {
        err.println("(run with --verbose for the stack trace)");
      }
      return 1;
    }
  }

  /** {@code vidgen train-demo --out DIR}: trains the embedded demo model from scratch (issue 6). */
  private int trainDemo(List<String> rest) {
    try {
      return dev.vidgen.examples.train.TrainDemo.run(rest.toArray(new String[0]), out, err);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private int usage(String message) {
    err.println("vidgen: " + message);
    err.println("run `vidgen --help` for usage");
    return 2;
  }

  private static String oneLine(Throwable e) {
    String m = e.getMessage();
    return (m == null ? e.getClass().getSimpleName() : m).replace('\n', ' ');
  }

  static final class UsageException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
      super(message);
    }
  }

  private static final List<String> GENERATE_FLAGS = List.of("--model", "--prompt", "--negative-prompt", "--frames",
      "--height", "--width", "--steps", "--guidance", "--seed", "--fps", "--scheduler", "--image", "--output",
      "--device", "--precision", "--eta", "--threads", "--quality", "--motion-bucket-id", "--noise-aug-strength",
      "--decode-chunk-size", "--variant", "--scale", "--revision");

  private static Map<String, String> parseFlags(List<String> args, List<String> known, List<String> booleans) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      if (a.equals("-o")) {
        a = "--output";
      }
      String value = null;
      int eq = a.indexOf('=');
      if (a.startsWith("--") && eq > 0) {
        value = a.substring(eq + 1);
        a = a.substring(0, eq);
      }
      if (booleans.contains(a)) {
        m.put(a, "true");
        continue;
      }
      if (!known.contains(a)) {
        throw new UsageException("unknown option '" + args.get(i) + "'");
      }
      if (value == null) {
        if (i + 1 >= args.size()) {
          throw new UsageException(a + " needs a value");
        }
        value = args.get(++i);
      }
      m.put(a, value);
    }
    return m;
  }

  private static int intFlag(Map<String, String> f, String name) {
    try {
      return Integer.parseInt(f.get(name));
    } catch (NumberFormatException e) {
      throw new UsageException(name + " must be an integer, got '" + f.get(name) + "'");
    }
  }

  private static double doubleFlag(Map<String, String> f, String name) {
    try {
      return Double.parseDouble(f.get(name));
    } catch (NumberFormatException e) {
      throw new UsageException(name + " must be a number, got '" + f.get(name) + "'");
    }
  }

  /**
   * Takes every {@code --option NAME=VALUE} (it may repeat, which {@link #parseFlags} does not allow) out of the
   * arguments, in order.
   */
  private static Map<String, String> takeOptions(List<String> args) {
    Map<String, String> options = new LinkedHashMap<>();
    for (int i = 0; i < args.size(); ) {
      String a = args.get(i);
      String value;
      if (a.equals("--option")) {
        if (i + 1 >= args.size()) {
          throw new UsageException("--option needs a value NAME=VALUE");
        }
        value = args.get(i + 1);
        args.subList(i, i + 2).clear();
      } else if (a.startsWith("--option=")) {
        value = a.substring("--option=".length());
        args.remove(i);
      } else {
        i++;
        continue;
      }
      int eq = value.indexOf('=');
      if (eq <= 0) {
        throw new UsageException("--option takes NAME=VALUE (e.g. runway.timeout=5m), got '" + value + "'");
      }
      options.put(value.substring(0, eq), value.substring(eq + 1));
    }
    return options;
  }

  private int generate(List<String> args) {
    Map<String, String> providerOptions = takeOptions(args);
    Map<String, String> f = parseFlags(args, GENERATE_FLAGS, List.of("--overwrite"));
    if (!f.containsKey("--prompt") && !f.containsKey("--image")) {
      throw new UsageException("generate needs --prompt (or --image for image-to-video models)");
    }
    String model = f.getOrDefault("--model", DEFAULT_MODEL);
    Path output = Path.of(f.getOrDefault("--output", "out.mp4"));
    boolean overwrite = f.containsKey("--overwrite");
    if (Files.exists(output) && !overwrite) {
      throw new UsageException(output + " exists; pass --overwrite to replace it");
    }
    Video.writerFor(output); // fail on an unknown extension before spending minutes generating
    Integer fixedScale = f.getOrDefault("--scale", "auto").equals("auto") ? null : intFlag(f, "--scale");
    if (fixedScale != null && (fixedScale < 1 || fixedScale > 64)) {
      throw new UsageException("--scale must be auto or a whole number from 1 to 64, got " + fixedScale);
    }
    GenerationRequest.Builder rb = GenerationRequest.builder();
    try {
      if (f.containsKey("--prompt")) {
        rb.prompt(f.get("--prompt"));
      }
      if (f.containsKey("--negative-prompt")) {
        rb.negativePrompt(f.get("--negative-prompt"));
      }
      if (f.containsKey("--frames")) {
        rb.frames(intFlag(f, "--frames"));
      }
      if (f.containsKey("--height")) {
        rb.height(intFlag(f, "--height"));
      }
      if (f.containsKey("--width")) {
        rb.width(intFlag(f, "--width"));
      }
      if (f.containsKey("--steps")) {
        rb.steps(intFlag(f, "--steps"));
      }
      if (f.containsKey("--guidance")) {
        rb.guidanceScale(doubleFlag(f, "--guidance"));
      }
      if (f.containsKey("--seed")) {
        try {
          rb.seed(Long.parseLong(f.get("--seed")));
        } catch (NumberFormatException e) {
          throw new UsageException("--seed must be an integer, got '" + f.get("--seed") + "'");
        }
      }
      if (f.containsKey("--fps")) {
        rb.fps(intFlag(f, "--fps"));
      }
      if (f.containsKey("--eta")) {
        rb.eta(doubleFlag(f, "--eta"));
      }
      if (f.containsKey("--image")) {
        String image = f.get("--image");
        if (image.startsWith("https://") || image.startsWith("data:")) {
          rb.imageUri(URI.create(image)); // remote models let their service fetch it
        } else {
          rb.image(Path.of(image));
        }
      }
      if (f.containsKey("--motion-bucket-id")) {
        rb.motionBucketId(intFlag(f, "--motion-bucket-id"));
      }
      if (f.containsKey("--noise-aug-strength")) {
        rb.noiseAugStrength(doubleFlag(f, "--noise-aug-strength"));
      }
      if (f.containsKey("--decode-chunk-size")) {
        rb.decodeChunkSize(intFlag(f, "--decode-chunk-size"));
      }
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage());
    }
    ProgressBar bar = new ProgressBar(err);
    rb.onStep(bar::onStep);
    DownloadProgress downloads = new DownloadProgress(err);
    VideoPipeline.Builder pb = VideoPipeline.builder().model(model).locator(locator).onDownload(downloads);
    if (f.containsKey("--scheduler")) {
      pb.scheduler(f.get("--scheduler"));
    }
    if (f.containsKey("--device")) {
      pb.device(f.get("--device"));
    }
    if (f.containsKey("--precision")) {
      pb.precision(Precision.parse(f.get("--precision")));
    }
    if (f.containsKey("--variant")) {
      pb.variant(f.get("--variant"));
    }
    if (f.containsKey("--threads")) {
      pb.threads(intFlag(f, "--threads"));
    }
    providerOptions.forEach(pb::option);
    SaveOptions save = SaveOptions.DEFAULT.withOverwrite(overwrite);
    if (f.containsKey("--quality")) {
      save = save.withQuality(intFlag(f, "--quality"));
    }
    if (f.containsKey("--revision")) {
      pb.revision(f.get("--revision"));
    }
    err.println("loading " + model + " ...");
    VideoPipeline loaded;
    try {
      loaded = pb.build();
    } catch (IllegalArgumentException e) { // a malformed revision or repository id, a precision the device lacks
      throw new UsageException(e.getMessage());
    } finally {
      downloads.finish();
    }
    try (VideoPipeline p = loaded) {
      Video v = p.generate(rb.build());
      bar.finish();
      int scale = fixedScale != null ? fixedScale : autoScale(v.height(), v.width());
      v.scaled(scale).save(output, save);
      var info = v.info();
      if (info.steps() == 0) { // a remote model: no steps, scheduler or seed of ours to report
        out.printf(Locale.ROOT, "wrote %s: %d frames %dx%d at %d fps (model %s, generated by its service, %.1f s)%n",
            output, v.numFrames(), v.width(), v.height(), v.fps(), info.model(), info.totalTime().toMillis() / 1000.0);
        return 0;
      }
      String shown = scale == 1 ? "" : String.format(Locale.ROOT, ", written enlarged %dx to %dx%d (--scale 1 keeps "
          + "the generated size)", scale, v.width() * scale, v.height() * scale);
      out.printf(Locale.ROOT, "wrote %s: %d frames %dx%d at %d fps%s (model %s, scheduler %s, seed %d, %d steps, "
          + "%.1f s)%n", output, v.numFrames(), v.width(), v.height(), v.fps(), shown, info.model(), info.scheduler(),
          info.seed(), info.steps(), info.totalTime().toMillis() / 1000.0);
    }
    return 0;
  }

  /**
   * {@code --scale auto}: videos smaller than 256 pixels on their long side (the demo model's 32x32) are enlarged by
   * a whole factor, nearest neighbour, to at least that, so a player shows them at a visible size; others are kept.
   */
  static int autoScale(int height, int width) {
    int side = Math.max(height, width);
    return side >= 256 ? 1 : (256 + side - 1) / side;
  }

  /**
   * {@code vidgen pull REPO [--revision R] [--variant V]}: resolves a model as {@code generate} does, downloading what
   * is missing from the Hub with a progress bar per file, and generates nothing.
   */
  private int pull(List<String> args) {
    List<String> positional = new ArrayList<>();
    List<String> flags = new ArrayList<>();
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      if (a.startsWith("-")) {
        flags.add(a);
        if (!a.contains("=") && i + 1 < args.size()) {
          flags.add(args.get(++i));
        }
      } else {
        positional.add(a);
      }
    }
    if (positional.size() != 1) {
      throw new UsageException("pull needs exactly one model: an org/name repository id (optionally @revision) or "
          + "an alias such as modelscope");
    }
    Map<String, String> f = parseFlags(flags, List.of("--revision", "--variant"), List.of());
    String model = positional.get(0);
    DownloadProgress downloads = new DownloadProgress(err);
    ModelResolver.Resolved r;
    try {
      r = new ModelResolver(ModelRegistry.installed(), locator, locator.hubConfig().withListener(downloads))
          .resolve(model, f.get("--revision"), f.get("--variant"));
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage());
    } finally {
      downloads.finish();
    }
    long[] sizeAndCount = sizeOf(r.folder());
    out.printf(Locale.ROOT, "%s: %s (%d files, %s)%n", r.repo() == null ? model : r.repo() + " at commit "
        + r.folder().getFileName(), r.folder(), sizeAndCount[1], DownloadProgress.bytes(sizeAndCount[0]));
    return 0;
  }

  /** Total bytes and number of the files under a folder, following the cache's links. */
  private static long[] sizeOf(Path folder) {
    long[] acc = new long[2];
    try (java.util.stream.Stream<Path> s = Files.walk(folder)) {
      s.filter(Files::isRegularFile).forEach(p -> {
        try {
          acc[0] += Files.size(p);
          acc[1]++;
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      });
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return acc;
  }

  private int models() {
    List<ModelInfo> models = VideoPipeline.models();
    if (models.isEmpty()) {
      out.println("no model providers installed");
      return 0;
    }
    out.printf("%-20s %-12s %-45s %s%n", "MODEL", "FAMILY", "REPOSITORY", "DESCRIPTION");
    for (ModelInfo m : models) {
      String where = m.pipelineClasses().isEmpty() ? "(remote service)" : m.repoIds().isEmpty() ? "(embedded)"
          : String.join(", ", m.repoIds());
      out.printf("%-20s %-12s %-45s %s%n", m.alias(), m.family(), where, m.description());
      if (!m.note().isEmpty()) {
        out.printf("%-20s note: %s%n", "", m.note());
      }
    }
    return 0;
  }

  private int check(List<String> args) {
    boolean fromSeed = args.remove("--from-seed");
    if (args.isEmpty()) {
      throw new UsageException("check needs one or more case folders (see fixtures/README.md for the format)");
    }
    int passed = 0;
    int failed = 0;
    for (String a : args) {
      if (a.startsWith("-")) {
        throw new UsageException("unknown option '" + a + "'");
      }
      Path dir = Path.of(a);
      if (!Files.isRegularFile(dir.resolve("reference.json"))) {
        err.println("vidgen: " + dir + " is not a case folder: reference.json is missing");
        return 2;
      }
      List<Comparison> results;
      try {
        results = Files.isDirectory(dir.resolve("model")) || !Files.isRegularFile(dir.resolve("scheduler_config.json"))
            ? PipelineCaseRunner.run(dir, fromSeed, null) : SchedulerCaseRunner.run(dir);
      } catch (PipelineCaseRunner.CaseException e) {
        err.println("vidgen: cannot run " + dir + ": " + oneLine(e));
        return 2;
      } catch (dev.vidgen.api.VidgenException e) {
        err.println("vidgen: cannot run " + dir + ": " + oneLine(e));
        return 2;
      }
      out.println("# " + dir);
      for (Comparison c : results) {
        out.println(c.line());
        if (c.passed()) {
          passed++;
        } else {
          failed++;
          out.println("    " + c.describe());
        }
      }
    }
    out.println(passed + " passed, " + failed + " failed");
    return failed == 0 ? 0 : 1;
  }

  static final String USAGE = """
      vidgen — text- and image-to-video at parity with Hugging Face diffusers

      usage:
        vidgen generate --prompt TEXT [options] [-o out.mp4]
            --model ID|ALIAS|FOLDER   model to load (default: demo if shipped, else modelscope-tiny-random); any
                                      Hugging Face org/name[@revision] is downloaded into the HF cache when missing;
                                      runway:MODEL (e.g. runway:gen4.5) generates on Runway's service with
                                      RUNWAYML_API_SECRET, at that account's cost
            --revision REV            branch, tag or commit of a Hugging Face repository (default main)
            --option NAME=VALUE       a provider setting, repeatable, e.g. runway.timeout=5m
            --negative-prompt TEXT    what to steer away from
            --frames N --height H --width W --steps N --guidance G --seed S --fps N --eta E
            --scheduler NAME          e.g. ddim, dpm++, euler, euler-a
            --image FILE|URL          conditioning image (image-to-video models); remote models also take
                                      an https:// URL
            --motion-bucket-id N --noise-aug-strength X --decode-chunk-size N   (SVD)
            --device cpu|auto|cuda[:N] --precision float32|float16 --threads N
            --variant NAME            weight files of a variant, e.g. fp16 for *.fp16.safetensors
            -o, --output FILE         .mp4, .gif, or a folder for PNG frames (default out.mp4)
            --overwrite               replace an existing output
            --quality Q               encoder quality 0..100 (default 80)
            --scale N|auto            enlarge frames N times when writing (nearest neighbour); auto (default)
                                      enlarges videos under 256 px, such as the demo model's 32x32, to 256 px
        vidgen pull MODEL [--revision R] [--variant V]
                                      download a model (alias or org/name) into the Hugging Face cache without
                                      generating; progress per file. HF_TOKEN for gated models, HF_HUB_OFFLINE=1
                                      to use the cache only, HF_ENDPOINT / HF_HUB_CACHE / HF_HOME as in Python
        vidgen models                 list the models and their aliases
        vidgen serve [--host 127.0.0.1] [--port 8080] [--data DIR] [--workers N] [--queue N]
                     [--max-upload BYTES] [--api-key-file F] [--keep N]
                                      HTTP generation service and web page (vidgen serve --help)
        vidgen check [--from-seed] CASE...   run diffusers reference cases, one line per stage
        vidgen train-demo --out DIR [--seed N] [--vae-steps N] [--unet-steps N] [--threads N]
                                      train the embedded demo model from scratch (29 min with --threads 2 on 2 cores)
        vidgen score-demo DIR [--seeds N] [--steps N] [--guidance G] [--frames N] [--scheduler NAME]
                                      score a demo model on all 60 captions (colour and direction right?)
        --verbose                     print stack traces
      """;
}
