package dev.vidgen.codec;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A program the codec tests call to check our files with real decoders (ffprobe, ffmpeg, chromium), all from
 * Debian packages ({@code ffmpeg}, {@code chromium}).
 *
 * <p>When the program is missing a test is skipped on a developer machine, but fails when the environment variable
 * {@code CI} is {@code true}: CI installs the packages, so a missing program there is a broken setup, not a reason
 * to pass.
 */
record ExternalTool(Path path) {
  static final boolean CI = "true".equalsIgnoreCase(System.getenv("CI"));

  /** The program at {@code path}, or a skipped (locally) / failed (CI) test if it is not installed. */
  static ExternalTool require(String path, String debianPackage) {
    Path p = Path.of(path);
    boolean present = Files.isExecutable(p);
    String message = path + " is not installed (Debian package '" + debianPackage + "': apt-get install -y "
        + debianPackage + ")";
    if (!present) {
      if (CI) {
        fail(message + "; CI=true, so this is a failure, not a skip");
      }
      assumeTrue(false, message + "; skipping because CI is not set");
    }
    return new ExternalTool(p);
  }

  static ExternalTool ffprobe() {
    return require("/usr/bin/ffprobe", "ffmpeg");
  }

  /** {@code /usr/bin/ffmpeg}, or the binary the system property {@code vidgen.ffmpeg} names. */
  static ExternalTool ffmpeg() {
    return require(System.getProperty("vidgen.ffmpeg", "/usr/bin/ffmpeg"), "ffmpeg");
  }

  static ExternalTool chromium() {
    return require("/usr/bin/chromium", "chromium");
  }

  /** Output of one run. */
  record Result(int exitCode, byte[] stdout, String stderr) {
    String stdoutText() {
      return new String(stdout, StandardCharsets.UTF_8);
    }
  }

  /** Runs the program with {@code args}, failing the test if it does not end within {@code timeoutSeconds}. */
  Result run(long timeoutSeconds, String... args) {
    List<String> command = new ArrayList<>();
    command.add(path.toString());
    command.addAll(List.of(args));
    try {
      Process process = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(nullDevice())).start();
      CompletableFuture<byte[]> out = readAsync(process.getInputStream());
      CompletableFuture<byte[]> err = readAsync(process.getErrorStream());
      if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        fail(path + " did not finish within " + timeoutSeconds + " s: " + command);
      }
      return new Result(process.exitValue(), out.join(), new String(err.join(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Runs and fails the test on a non-zero exit, showing stderr. */
  Result runOk(long timeoutSeconds, String... args) {
    Result r = run(timeoutSeconds, args);
    if (r.exitCode() != 0) {
      fail(path + " exited with " + r.exitCode() + " for " + List.of(args) + ":\n" + r.stderr());
    }
    return r;
  }

  private static java.io.File nullDevice() {
    return new java.io.File("/dev/null");
  }

  private static CompletableFuture<byte[]> readAsync(InputStream in) {
    return CompletableFuture.supplyAsync(() -> {
      try (in) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        in.transferTo(buf);
        return buf.toByteArray();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
  }
}
