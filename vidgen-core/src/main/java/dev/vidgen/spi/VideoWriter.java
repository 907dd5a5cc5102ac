package dev.vidgen.spi;

import dev.vidgen.api.SaveOptions;
import dev.vidgen.api.Video;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.Set;

/**
 * Writes a {@link Video} in one container format. Implementations are found with {@link java.util.ServiceLoader}
 * (register them in {@code META-INF/services/dev.vidgen.spi.VideoWriter}) and chosen by file extension.
 *
 * <p>A writer never leaves a half-written file under the user's name: it writes to a temporary file beside the
 * target and moves it into place when complete, and replaces an existing target only when {@link
 * SaveOptions#overwrite()} is set.
 */
public interface VideoWriter {
  /** A short name, e.g. {@code "mp4"}. */
  String name();

  /** Lower-case extensions without the dot; the empty string means "a folder" (no extension). */
  Set<String> extensions();

  /** Writes to a path, atomically. */
  void write(Video video, Path target, SaveOptions options);

  /** Writes to a stream (not closed), for callers that stream the result. */
  void write(Video video, OutputStream out, SaveOptions options);
}
