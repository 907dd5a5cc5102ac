package dev.vidgen.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/**
 * Where the wall time of a piece of work on the current thread goes, by sampling it with Java Flight Recorder:
 * {@code jdk.ExecutionSample} catches the thread running Java code, {@code jdk.NativeMethodSample} catches it inside
 * a native method (libtorch's kernels, reached through DJL's JNI). Each sample is attributed to the outermost
 * component call on its stack ({@code UNet3DConditionModel.forward}, {@code AutoencoderKL.decode}, {@code
 * CLIPTextModel.forward}) or to "outside components" (the sampling loop's own work: tokenizer, scheduler, guidance,
 * reshapes, scopes, post-processing). Unlike comparing two timed runs, the shares come from one run, so a busy
 * machine does not bias them.
 *
 * <p>Stacks deeper than JFR's {@code stackdepth} (64 by default) lose their outer frames; run with {@code
 * -XX:FlightRecorderOptions:stackdepth=512} (the profiler runner does) or such samples count as "truncated".
 */
final class JfrAttribution {
  /** Component methods: {@code class simple name + "." + method} → label. */
  static final Map<String, String> COMPONENTS = new LinkedHashMap<>();

  static {
    COMPONENTS.put("UNet3DConditionModel.forward", "denoiser (UNet3DConditionModel.forward)");
    COMPONENTS.put("AutoencoderKL.decode", "decoder (AutoencoderKL.decode)");
    COMPONENTS.put("CLIPTextModel.forward", "text encoder (CLIPTextModel.forward)");
  }

  static final String OUTSIDE = "outside components";
  static final String TRUNCATED = "truncated stack";

  /**
   * @param samplesByPart samples per component label (plus {@link #OUTSIDE}, {@link #TRUNCATED})
   * @param javaByPart of those, the samples that caught the thread running Java code (the rest were in native code)
   * @param nativeSamples samples inside native code (all parts)
   * @param javaSamples samples running Java code (all parts)
   * @param topOutside the most frequent leaf frames of the "outside" samples
   * @param wallNanos wall time of the sampled work
   * @param periodMillis sampling period
   */
  record Result(Map<String, Integer> samplesByPart, Map<String, Integer> javaByPart, int nativeSamples,
      int javaSamples, Map<String, Integer> topOutside,
      long wallNanos, int periodMillis) {
    int total() {
      return nativeSamples + javaSamples;
    }

    double share(String part) {
      return total() == 0 ? 0 : samplesByPart.getOrDefault(part, 0) / (double) total();
    }

    /** Samples × period ÷ wall time: near 1 when the thread was sampled throughout. */
    double coverage() {
      return total() * periodMillis * 1e6 / wallNanos;
    }
  }

  private JfrAttribution() {}

  /** Runs {@code work} on this thread under JFR sampling and attributes the samples of this thread. */
  static Result sample(Runnable work, int periodMillis) {
    long threadId = Thread.currentThread().getId();
    Path file;
    long wall;
    try (Recording r = new Recording()) {
      r.enable("jdk.ExecutionSample").withPeriod(Duration.ofMillis(periodMillis));
      r.enable("jdk.NativeMethodSample").withPeriod(Duration.ofMillis(periodMillis));
      r.start();
      long t0 = System.nanoTime();
      work.run();
      wall = System.nanoTime() - t0;
      r.stop();
      file = Files.createTempFile("vidgen-bench", ".jfr");
      r.dump(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    try {
      return attribute(RecordingFile.readAllEvents(file), threadId, wall, periodMillis);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      try {
        Files.deleteIfExists(file);
      } catch (IOException ignored) {
        // a temporary file left behind is harmless
      }
    }
  }

  private static Result attribute(List<RecordedEvent> events, long threadId, long wall, int periodMillis) {
    Map<String, Integer> parts = new LinkedHashMap<>();
    COMPONENTS.values().forEach(v -> parts.put(v, 0));
    parts.put(OUTSIDE, 0);
    parts.put(TRUNCATED, 0);
    Map<String, Integer> javaParts = new LinkedHashMap<>();
    parts.keySet().forEach(k -> javaParts.put(k, 0));
    Map<String, Integer> leaves = new TreeMap<>();
    int nativeSamples = 0;
    int javaSamples = 0;
    for (RecordedEvent e : events) {
      String type = e.getEventType().getName();
      boolean isNative = type.equals("jdk.NativeMethodSample");
      if (!isNative && !type.equals("jdk.ExecutionSample")) {
        continue;
      }
      if (e.getThread("sampledThread") == null || e.getThread("sampledThread").getJavaThreadId() != threadId) {
        continue;
      }
      RecordedStackTrace st = e.getStackTrace();
      if (st == null) {
        continue;
      }
      if (isNative) {
        nativeSamples++;
      } else {
        javaSamples++;
      }
      String part = null;
      List<RecordedFrame> frames = st.getFrames(); // leaf first
      for (int i = frames.size() - 1; i >= 0 && part == null; i--) { // outermost component call wins
        RecordedFrame f = frames.get(i);
        if (f.getMethod() == null) {
          continue;
        }
        String type2 = f.getMethod().getType().getName();
        String key = type2.substring(type2.lastIndexOf('.') + 1) + "." + f.getMethod().getName();
        part = COMPONENTS.get(key);
      }
      if (part == null) {
        part = st.isTruncated() ? TRUNCATED : OUTSIDE;
        if (!st.isTruncated() && !frames.isEmpty() && frames.get(0).getMethod() != null) {
          RecordedFrame leaf = frames.get(0);
          String name = leaf.getMethod().getType().getName() + "." + leaf.getMethod().getName()
              + (isNative ? " (native)" : "");
          leaves.merge(name, 1, Integer::sum);
        }
      }
      parts.merge(part, 1, Integer::sum);
      if (!isNative) {
        javaParts.merge(part, 1, Integer::sum);
      }
    }
    Map<String, Integer> top = new LinkedHashMap<>();
    leaves.entrySet().stream().sorted((a, b) -> b.getValue() - a.getValue()).limit(8)
        .forEach(en -> top.put(en.getKey(), en.getValue()));
    return new Result(parts, javaParts, nativeSamples, javaSamples, top, wall, periodMillis);
  }
}
