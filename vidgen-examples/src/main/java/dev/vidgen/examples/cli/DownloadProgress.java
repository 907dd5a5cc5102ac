package dev.vidgen.examples.cli;

import dev.vidgen.api.DownloadEvent;
import dev.vidgen.api.DownloadListener;
import java.io.PrintStream;
import java.util.Locale;

/**
 * One terminal progress bar per downloaded file, fed by {@link DownloadEvent}s: name, bar, bytes so far of the total,
 * rate and time left, redrawn in place; retries and cache fall-backs get their own lines.
 */
final class DownloadProgress implements DownloadListener {
  private static final int BAR = 24;
  private final PrintStream err;
  private String repoShown;
  private boolean drawn;

  DownloadProgress(PrintStream err) {
    this.err = err;
  }

  @Override
  public void onDownload(DownloadEvent e) {
    switch (e.kind()) {
      case STARTED -> {
        if (!e.repo().equals(repoShown)) {
          repoShown = e.repo();
          err.println("downloading " + e.repo() + " into the Hugging Face cache");
        }
        draw(e);
      }
      case PROGRESS -> draw(e);
      case FINISHED -> {
        draw(e);
        err.println();
        drawn = false;
      }
      case RETRYING, USING_CACHE -> {
        finish();
        err.println("  " + (e.file() == null ? "" : e.file() + ": ") + e.message());
      }
      case CHECKED_REVISION, REUSED -> { } // nothing to show: no bytes move
    }
  }

  private void draw(DownloadEvent e) {
    err.print("\r" + line(e));
    drawn = true;
  }

  /** The bar for one event, e.g. {@code unet/diffusion_pytorch_model.safetensors [#####   ] 21% 1.2/5.6 GB ...}. */
  static String line(DownloadEvent e) {
    String name = e.file().length() > 44 ? "..." + e.file().substring(e.file().length() - 41) : e.file();
    long total = e.totalBytes();
    double frac = total > 0 ? Math.min(1, (double) e.bytes() / total) : 0;
    int filled = (int) Math.round(BAR * frac);
    double rate = e.bytesPerSecond();
    String eta = rate > 0 && total > 0 ? duration((total - e.bytes()) / rate) : "--:--";
    return String.format(Locale.ROOT, "  %-44s [%s%s] %3d%% %s/%s %s/s ETA %s ", name, "#".repeat(filled),
        " ".repeat(BAR - filled), Math.round(100 * frac), bytes(e.bytes()), total < 0 ? "?" : bytes(total),
        bytes((long) rate), eta);
  }

  /** Decimal units, as huggingface_hub's progress bars. */
  static String bytes(long n) {
    if (n < 1000) {
      return n + " B";
    }
    String[] units = {"kB", "MB", "GB", "TB"};
    double v = n;
    int u = -1;
    while (v >= 1000 && u < units.length - 1) {
      v /= 1000;
      u++;
    }
    return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
  }

  static String duration(double seconds) {
    long s = Math.round(seconds);
    return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
        : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
  }

  /** Ends a bar left open (a download that failed mid-file). */
  void finish() {
    if (drawn) {
      err.println();
      drawn = false;
    }
  }
}
