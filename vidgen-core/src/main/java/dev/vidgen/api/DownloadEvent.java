package dev.vidgen.api;

import java.time.Duration;

/**
 * What a model download is doing, delivered to a {@link DownloadListener} on the downloading thread. Immutable.
 *
 * @param kind what happened
 * @param repo the Hugging Face repository id, e.g. {@code ali-vilab/text-to-video-ms-1.7b}
 * @param file the path in the repository, e.g. {@code unet/diffusion_pytorch_model.safetensors}, or null for
 *     events about the whole repository ({@link Kind#CHECKED_REVISION}, {@link Kind#USING_CACHE})
 * @param bytes bytes of the file on disk so far (for {@link Kind#STARTED}, the bytes a resumed download starts from)
 * @param totalBytes the file's size, or -1 when not known
 * @param resumedFrom bytes that were already on disk when this download started (0 for a fresh one); the rate is
 *     {@code (bytes - resumedFrom) / elapsed}
 * @param elapsed time since this file's download started
 * @param message a line for people: the commit a revision resolved to, why a request is retried, why the cache is
 *     used; never contains a token
 */
public record DownloadEvent(Kind kind, String repo, String file, long bytes, long totalBytes, long resumedFrom,
    Duration elapsed, String message) {
  /** The kinds of events, in the order they happen for one file. */
  public enum Kind {
    /** The Hub said which commit a revision names ({@code message}: the commit). */
    CHECKED_REVISION,
    /** The Hub could not be asked; a complete snapshot in the cache is used ({@code message}: why). */
    USING_CACHE,
    /** A file's download starts (or resumes from {@code resumedFrom}). */
    STARTED,
    /** More bytes arrived (at most about ten events a second per file). */
    PROGRESS,
    /** A request failed in a way worth retrying (connection cut, 429, 5xx); it is retried after a pause. */
    RETRYING,
    /** The file is complete, verified (sha256 for large files) and in the cache. */
    FINISHED,
    /** The file's content was already in the cache (another revision or process fetched it); only linked. */
    REUSED
  }

  /** Bytes per second since the download started, or 0 when nothing was measured yet. */
  public double bytesPerSecond() {
    double s = elapsed.toNanos() / 1e9;
    return s <= 0 ? 0 : (bytes - resumedFrom) / s;
  }
}
