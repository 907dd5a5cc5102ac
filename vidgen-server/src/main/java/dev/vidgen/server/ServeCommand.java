package dev.vidgen.server;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * {@code vidgen serve [--host 127.0.0.1] [--port 8080] [--data DIR] [--workers N] [--queue N] [--max-upload BYTES]
 * [--api-key-file F] [--keep N] [--default-model ID]}: starts a {@link VidgenServer}, prints {@code listening on
 * http://HOST:PORT} once it answers, and serves until the process is stopped (Ctrl-C or SIGTERM stop it cleanly).
 * Exit codes: 2 bad usage, 1 the server could not start.
 */
public final class ServeCommand {
  static final String USAGE = """
      vidgen serve [--host 127.0.0.1] [--port 8080] [--data DIR] [--workers N] [--queue N] [--max-upload BYTES]
                   [--api-key-file F] [--keep N] [--default-model ID]
          --host ADDR          address to bind (default 127.0.0.1; any other needs --api-key-file)
          --port N             TCP port (default 8080; 0 picks a free one)
          --data DIR           job records, videos and uploads (default ./vidgen-data)
          --workers N          generation threads, each keeping one model loaded (default 1)
          --queue N            jobs that may wait; more are answered 429 (default 64)
          --max-upload BYTES   largest request body, e.g. 16m (default 16m)
          --api-key-file F     a file holding the bearer token that /v1/* requires
          --keep N             finished jobs kept with their videos (default 500)
          --default-model ID   the model of requests that name none (default demo)
      """;

  private ServeCommand() {}

  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  /** Runs the server until the JVM is told to stop; returns the exit code for bad usage or a failed start. */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    ServerConfig config;
    try {
      config = parse(List.of(args), err);
    } catch (IllegalArgumentException e) {
      err.println("vidgen serve: " + e.getMessage());
      err.println(USAGE);
      return 2;
    }
    if (config == null) {
      out.print(USAGE);
      return 0;
    }
    VidgenServer server;
    try {
      server = VidgenServer.start(config);
    } catch (RuntimeException e) {
      err.println("vidgen serve: " + e.getMessage());
      return 1;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      server.stop();
      stopped.countDown();
    }, "vidgen-serve-shutdown"));
    out.println("listening on " + server.url());
    out.flush();
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      server.stop();
    }
    return 0;
  }

  /** The config for these flags, or null for {@code --help}. */
  static ServerConfig parse(List<String> args, PrintStream err) {
    ServerConfig.Builder b = ServerConfig.builder();
    List<String> rest = new ArrayList<>(args);
    while (!rest.isEmpty()) {
      String flag = rest.remove(0);
      if (flag.equals("-h") || flag.equals("--help")) {
        return null;
      }
      String value;
      int eq = flag.indexOf('=');
      if (flag.startsWith("--") && eq > 0) {
        value = flag.substring(eq + 1);
        flag = flag.substring(0, eq);
      } else {
        if (rest.isEmpty()) {
          throw new IllegalArgumentException(flag + " needs a value");
        }
        value = rest.remove(0);
      }
      switch (flag) {
        case "--host" -> b.host(value);
        case "--port" -> b.port(integer(flag, value));
        case "--data" -> b.dataDir(Path.of(value));
        case "--workers" -> b.workers(integer(flag, value));
        case "--queue" -> b.queueCapacity(integer(flag, value));
        case "--max-upload" -> b.maxUploadBytes(bytes(flag, value));
        case "--keep" -> b.keepJobs(integer(flag, value));
        case "--default-model" -> b.defaultModel(value);
        case "--api-key-file" -> b.apiKey(readKey(Path.of(value)));
        default -> throw new IllegalArgumentException("unknown option '" + flag + "'");
      }
    }
    b.log(err);
    return b.build();
  }

  private static String readKey(Path file) {
    try {
      String key = Files.readString(file, StandardCharsets.UTF_8).strip();
      if (key.isEmpty()) {
        throw new IllegalArgumentException("--api-key-file " + file + " is empty");
      }
      return key;
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read --api-key-file " + file + ": " + e.getMessage());
    }
  }

  private static int integer(String flag, String value) {
    try {
      return Integer.parseInt(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(flag + " must be a whole number, got '" + value + "'");
    }
  }

  /** A byte count with an optional k/m/g suffix (powers of 1024). */
  static long bytes(String flag, String value) {
    String v = value.trim().toLowerCase(java.util.Locale.ROOT);
    long mult = 1;
    if (v.endsWith("k") || v.endsWith("m") || v.endsWith("g")) {
      mult = v.endsWith("k") ? 1L << 10 : v.endsWith("m") ? 1L << 20 : 1L << 30;
      v = v.substring(0, v.length() - 1);
    }
    try {
      return Math.multiplyExact(Long.parseLong(v), mult);
    } catch (NumberFormatException | ArithmeticException e) {
      throw new IllegalArgumentException(flag + " must be a byte count such as 16m or 1048576, got '" + value + "'");
    }
  }
}
