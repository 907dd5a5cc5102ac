package dev.vidgen.api;

/** A generation was cancelled through its CancellationToken. All native memory of the run has been released when this is thrown. */
public class GenerationCancelledException extends VidgenException {
  private static final long serialVersionUID = 1L;

  public GenerationCancelledException(String message) {
    super(message);
  }

  public GenerationCancelledException(String message, Throwable cause) {
    super(message, cause);
  }
}
