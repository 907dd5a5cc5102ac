package dev.vidgen.api;

/**
 * A model could not be downloaded: the Hub could not be reached after retries, it answered in a way the protocol does
 * not allow, or a downloaded file failed its integrity check (size or sha256). The message names the repository and
 * file; nothing half-downloaded is ever placed in the cache's snapshot folders.
 */
public class DownloadException extends VidgenException {
  private static final long serialVersionUID = 1L;

  public DownloadException(String message) {
    super(message);
  }

  public DownloadException(String message, Throwable cause) {
    super(message, cause);
  }
}
