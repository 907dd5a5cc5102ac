package dev.vidgen.codec;

import dev.vidgen.api.VidgenException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * Writes a file or a folder under a temporary name beside the target and moves it into place only when complete,
 * so that the target either keeps its old content or gets the whole new one, never a half-written file.
 *
 * <ul>
 *   <li>An existing target is replaced only when {@code overwrite} is set; otherwise the error names the file.
 *   <li>A file is published with an atomic rename when overwriting; when not overwriting it is published with a hard
 *       link, which fails atomically if the name was taken meanwhile (a plain move is the fallback on file systems
 *       without hard links).
 *   <li>On any failure the temporary file or folder is deleted before the error propagates.
 *   <li>Temporary names start with a dot and end with {@code .part}; they are created with the process's default
 *       permissions (not the owner-only ones of {@link Files#createTempFile}).
 * </ul>
 */
final class AtomicOutput {
  /** Code that fills a temporary file or folder. */
  @FunctionalInterface
  interface Body {
    void write(Path temp) throws IOException;
  }

  private AtomicOutput() {}

  /** Writes a single file: {@code body} fills a temporary file that then replaces {@code target}. */
  static void writeFile(Path target, boolean overwrite, String format, Body body) {
    Path parent = checkedParent(target, format);
    if (Files.isDirectory(target)) {
      throw new VidgenException("cannot write " + format + " to '" + target + "': it is an existing folder");
    }
    checkNotExisting(target, overwrite, format);
    Path temp = null;
    try {
      temp = Files.createFile(tempName(parent, target));
      body.write(temp);
      publishFile(temp, target, overwrite, format);
      temp = null;
    } catch (IOException | UncheckedIOException e) {
      throw new VidgenException("writing " + format + " to '" + target + "' failed: " + e.getMessage(), e);
    } finally {
      if (temp != null) {
        deleteQuietly(temp);
      }
    }
  }

  /**
   * Writes a folder: {@code body} fills a temporary folder that then takes the name {@code target}. With {@code
   * overwrite}, an existing folder is replaced only if every entry in it satisfies {@code replaceable} (so that a
   * mistyped path cannot wipe an unrelated folder).
   */
  static void writeFolder(Path target, boolean overwrite, String format, Predicate<Path> replaceable, Body body) {
    Path parent = checkedParent(target, format);
    boolean exists = Files.exists(target, LinkOption.NOFOLLOW_LINKS);
    if (exists && !Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
      throw new VidgenException("cannot write " + format + " to '" + target
          + "': a file (not a folder) with that name exists; remove it or choose another name");
    }
    checkNotExisting(target, overwrite, format);
    if (exists) {
      List<Path> foreign = list(target).stream().filter(replaceable.negate()).toList();
      if (!foreign.isEmpty()) {
        throw new VidgenException("will not replace folder '" + target + "': it holds " + foreign.size()
            + " entries that are not video frames, e.g. '" + foreign.get(0).getFileName() + "'");
      }
    }
    Path temp = null;
    try {
      temp = Files.createDirectory(tempName(parent, target));
      body.write(temp);
      if (exists) {
        Path old = Files.move(target, tempName(parent, target), StandardCopyOption.ATOMIC_MOVE);
        try {
          Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
          Files.move(old, target, StandardCopyOption.ATOMIC_MOVE); // put the old frames back
          throw e;
        }
        temp = old; // the old folder is deleted below
      } else {
        try {
          Files.move(temp, target);
        } catch (FileAlreadyExistsException e) {
          throw existsError(target, format);
        }
        temp = null;
      }
    } catch (IOException | UncheckedIOException e) {
      throw new VidgenException("writing " + format + " to '" + target + "' failed: " + e.getMessage(), e);
    } finally {
      if (temp != null) {
        deleteTreeQuietly(temp);
      }
    }
  }

  private static Path checkedParent(Path target, String format) {
    Path parent = target.toAbsolutePath().getParent();
    if (parent == null || !Files.isDirectory(parent)) {
      throw new VidgenException("cannot write " + format + " to '" + target + "': folder '" + parent
          + "' does not exist");
    }
    return parent;
  }

  private static void checkNotExisting(Path target, boolean overwrite, String format) {
    if (!overwrite && Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
      throw existsError(target, format);
    }
  }

  private static VidgenException existsError(Path target, String format) {
    return new VidgenException("cannot write " + format + " to '" + target + "': it already exists; pass "
        + "SaveOptions.withOverwrite(true) to replace it");
  }

  private static void publishFile(Path temp, Path target, boolean overwrite, String format) throws IOException {
    if (overwrite) {
      try {
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
      }
      return;
    }
    try {
      Files.createLink(target, temp); // fails atomically if the name is taken
    } catch (FileAlreadyExistsException e) {
      throw existsError(target, format);
    } catch (UnsupportedOperationException | IOException e) {
      try {
        Files.move(temp, target); // no hard links here: a move that still refuses an existing target
      } catch (FileAlreadyExistsException e2) {
        throw existsError(target, format);
      }
      return;
    }
    Files.delete(temp);
  }

  private static Path tempName(Path parent, Path target) {
    String random = Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE);
    return parent.resolve("." + target.getFileName() + "." + random + ".part");
  }

  private static List<Path> list(Path folder) {
    try (Stream<Path> s = Files.list(folder)) {
      return s.toList();
    } catch (IOException e) {
      throw new VidgenException("cannot list folder '" + folder + "': " + e.getMessage(), e);
    }
  }

  private static void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      // the original error is more useful than this one
    }
  }

  private static void deleteTreeQuietly(Path folder) {
    try (Stream<Path> s = Files.walk(folder)) {
      s.sorted(Comparator.reverseOrder()).forEach(AtomicOutput::deleteQuietly);
    } catch (IOException | UncheckedIOException e) {
      // best effort, as above
    }
  }
}
