package dev.vidgen.hub;

import dev.vidgen.api.ModelNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A diffusers folder shipped inside a jar (class-path resources), unpacked once to {@code
 * $VIDGEN_HOME/embedded/<name>} (else {@code ~/.cache/vidgen/embedded/<name>}) so it loads like any folder. The
 * copy is made in a temporary folder and moved into place, so a crash never leaves half a model.
 */
public final class EmbeddedModel {
  private EmbeddedModel() {}

  /**
   * Unpacks to {@code <namePrefix>-<first 12 hex digits of the SHA-256 of one resource file>}, so that a jar with
   * different weights never picks up a copy unpacked from an older jar.
   *
   * @param hashedFile the file, relative to {@code resourceDir}, whose content names the copy (the weights)
   */
  public static Path unpack(Class<?> anchor, String resourceDir, String namePrefix, String hashedFile) {
    return unpack(anchor, resourceDir, contentName(anchor, resourceDir + "/" + hashedFile, namePrefix));
  }

  /** {@code <namePrefix>-<first 12 hex digits of the SHA-256 of the resource>}. */
  static String contentName(Class<?> anchor, String resource, String namePrefix) {
    try (InputStream in = anchor.getResourceAsStream(resource)) {
      if (in == null) {
        throw new ModelNotFoundException("embedded model '" + namePrefix + "' is missing from the class path "
            + "(resource " + resource + ")");
      }
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      byte[] buf = new byte[1 << 16];
      for (int n; (n = in.read(buf)) > 0; ) {
        sha.update(buf, 0, n);
      }
      return namePrefix + "-" + HexFormat.of().formatHex(sha.digest()).substring(0, 12);
    } catch (IOException | NoSuchAlgorithmException e) {
      throw new ModelNotFoundException("cannot read embedded model resource " + resource + ": " + e, e);
    }
  }

  /**
   * @param anchor a class of the jar that holds the resources
   * @param resourceDir the resource folder, e.g. {@code /dev/vidgen/models/modelscope/embedded/tiny-random}
   * @param name the folder name to unpack to; change it when the content changes
   */
  public static Path unpack(Class<?> anchor, String resourceDir, String name) {
    String home = System.getenv("VIDGEN_HOME");
    Path base = home != null && !home.isBlank() ? Path.of(home, "embedded")
        : Path.of(System.getProperty("user.home", "."), ".cache", "vidgen", "embedded");
    Path target = base.resolve(name);
    if (Files.isRegularFile(target.resolve("model_index.json"))) {
      return target;
    }
    URL url = anchor.getResource(resourceDir + "/model_index.json");
    if (url == null) {
      throw new ModelNotFoundException("embedded model '" + name + "' is missing from the class path (resource "
          + resourceDir + ")");
    }
    try {
      Files.createDirectories(base);
      Path tmp = Files.createTempDirectory(base, name + ".tmp");
      URI uri = url.toURI();
      if (uri.getScheme().equals("jar")) {
        FileSystem fs;
        boolean close = false;
        try {
          fs = FileSystems.getFileSystem(uri);
        } catch (java.nio.file.FileSystemNotFoundException e) {
          fs = FileSystems.newFileSystem(uri, Map.of());
          close = true;
        }
        try {
          copyTree(fs.getPath(resourceDir), tmp);
        } finally {
          if (close) {
            fs.close();
          }
        }
      } else {
        copyTree(Path.of(uri).getParent(), tmp);
      }
      try {
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
      } catch (FileAlreadyExistsException | java.nio.file.DirectoryNotEmptyException e) {
        deleteTree(tmp); // another process unpacked it first
      }
      return target;
    } catch (IOException | URISyntaxException e) {
      throw new ModelNotFoundException("cannot unpack embedded model '" + name + "' to " + target + ": " + e, e);
    }
  }

  private static void copyTree(Path src, Path dst) throws IOException {
    try (Stream<Path> s = Files.walk(src)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        Path rel = src.relativize(p);
        Path out = dst.resolve(rel.toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(out);
        } else {
          try (InputStream in = Files.newInputStream(p)) {
            Files.copy(in, out, StandardCopyOption.REPLACE_EXISTING);
          }
        }
      }
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
