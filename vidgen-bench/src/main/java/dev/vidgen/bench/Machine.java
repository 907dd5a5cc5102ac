package dev.vidgen.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** What the reports say about the machine and the process: CPU, memory, load, resident set size. */
final class Machine {
  private Machine() {}

  /** CPU model, core count, memory and the current load average, on one line. */
  static String describe() {
    return String.format("%s, %d cores, %.1f GB RAM, load average %s, Java %s", cpuModel(),
        Runtime.getRuntime().availableProcessors(), memTotalKb() / 1024.0 / 1024.0, loadAverage(),
        System.getProperty("java.version"));
  }

  static String cpuModel() {
    for (String line : lines(Path.of("/proc/cpuinfo"))) {
      if (line.startsWith("model name")) {
        return line.substring(line.indexOf(':') + 1).trim();
      }
    }
    return System.getProperty("os.arch");
  }

  static long memTotalKb() {
    return field(Path.of("/proc/meminfo"), "MemTotal:");
  }

  /** The 1-, 5- and 15-minute load averages, or "?" off Linux. */
  static String loadAverage() {
    List<String> l = lines(Path.of("/proc/loadavg"));
    if (l.isEmpty()) {
      return "?";
    }
    String[] f = l.get(0).split("\\s+");
    return f[0] + " " + f[1] + " " + f[2];
  }

  /** The process's resident set size in bytes ({@code VmRSS}), or -1 off Linux. */
  static long rssBytes() {
    long kb = field(Path.of("/proc/self/status"), "VmRSS:");
    return kb < 0 ? -1 : kb * 1024;
  }

  /** Anonymous resident memory ({@code RssAnon}: heap, libtorch tensors), or -1 off Linux. */
  static long rssAnonBytes() {
    long kb = field(Path.of("/proc/self/status"), "RssAnon:");
    return kb < 0 ? -1 : kb * 1024;
  }

  /** File-backed resident memory ({@code RssFile}: mapped jars, libraries, memory-mapped weight files). */
  static long rssFileBytes() {
    long kb = field(Path.of("/proc/self/status"), "RssFile:");
    return kb < 0 ? -1 : kb * 1024;
  }

  /** The process's peak resident set size in bytes since start or the last {@link #resetPeakRss()} ({@code VmHWM}). */
  static long peakRssBytes() {
    long kb = field(Path.of("/proc/self/status"), "VmHWM:");
    return kb < 0 ? -1 : kb * 1024;
  }

  /**
   * Resets {@code VmHWM} to the current RSS (Linux 4.0+: writing 5 to {@code /proc/self/clear_refs}); false when the
   * kernel does not allow it, in which case the peak includes everything since the process started.
   */
  static boolean resetPeakRss() {
    try {
      Files.writeString(Path.of("/proc/self/clear_refs"), "5");
      return true;
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  private static long field(Path file, String name) {
    for (String line : lines(file)) {
      if (line.startsWith(name)) {
        String[] f = line.substring(name.length()).trim().split("\\s+");
        return Long.parseLong(f[0]);
      }
    }
    return -1;
  }

  private static List<String> lines(Path file) {
    try {
      return Files.readAllLines(file);
    } catch (IOException e) {
      return List.of();
    }
  }

  static String mb(long bytes) {
    return String.format("%,.0f MB", bytes / 1024.0 / 1024.0);
  }
}
