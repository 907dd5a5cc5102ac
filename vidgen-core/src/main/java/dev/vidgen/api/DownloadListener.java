package dev.vidgen.api;

/**
 * Receives {@link DownloadEvent}s while a model is downloaded, on the downloading thread. Keep it quick; throwing
 * from it aborts the download (the partial file stays and the next run resumes it).
 */
@FunctionalInterface
public interface DownloadListener {
  DownloadListener NONE = e -> {};

  void onDownload(DownloadEvent event);
}
