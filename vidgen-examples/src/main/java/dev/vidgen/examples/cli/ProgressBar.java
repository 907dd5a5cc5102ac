package dev.vidgen.examples.cli;

import dev.vidgen.api.StepEvent;
import java.io.PrintStream;
import java.util.Locale;

/** A one-line terminal progress bar fed by {@link StepEvent}s. */
final class ProgressBar {
  private final PrintStream err;
  private boolean drawn;

  ProgressBar(PrintStream err) {
    this.err = err;
  }

  void onStep(StepEvent e) {
    int width = 30;
    int filled = (int) Math.round(width * (double) e.step() / e.total());
    double secs = e.elapsed().toMillis() / 1000.0;
    err.printf(Locale.ROOT, "\r[%s%s] step %d/%d  %.1f s", "#".repeat(filled), " ".repeat(width - filled), e.step(),
        e.total(), secs);
    drawn = true;
  }

  void finish() {
    if (drawn) {
      err.println();
    }
  }
}
