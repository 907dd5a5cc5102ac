package dev.vidgen.server;

import dev.vidgen.hub.ModelLocator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;

/** Starts servers for the tests: loopback, a free port, a given data folder, no downloaded models. */
final class Servers {
  private Servers() {}

  /**
   * A server on 127.0.0.1 with a free port. The locator sees only {@code models} (as {@code $VIDGEN_HOME}), so the
   * real downloaded models of the machine never leak into a test; the embedded demo model is always there.
   */
  static VidgenServer start(Path data, Path models, Consumer<ServerConfig.Builder> tweak) {
    ServerConfig.Builder b = ServerConfig.builder().host("127.0.0.1").port(0).dataDir(data)
        .locator(new ModelLocator(models == null ? Map.of() : Map.of("VIDGEN_HOME", models.toString()),
            data.resolveSibling(data.getFileName() + "-home")));
    tweak.accept(b);
    return VidgenServer.start(b.build());
  }

  static VidgenServer start(Path data, Consumer<ServerConfig.Builder> tweak) {
    return start(data, null, tweak);
  }

  /** The repository's diffusers fixtures (set by the build), or null when the property is absent. */
  static Path fixtures() {
    String f = System.getProperty("vidgen.fixtures");
    return f == null ? null : Path.of(f);
  }

  /** A {@code $VIDGEN_HOME} with the svd-tiny fixture model standing in for {@code svd-xt}. */
  static Path svdTinyAsSvdXt(Path home) {
    Path src = fixtures().resolve("svd-tiny").resolve("model");
    Path dst = home.resolve("svd-xt");
    try (Stream<Path> files = Files.walk(src)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        Path t = dst.resolve(src.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(t);
        } else {
          Files.copy(p, t);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return home;
  }

  /** Every file under a folder, as paths relative to it (to check what a server wrote). */
  static java.util.List<String> files(Path dir) {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile).map(p -> dir.relativize(p).toString()).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
