package dev.vidgen.models.runway;

/** Runway's API (or the host of a task's output) could not be reached, through every retry. */
public class RunwayConnectionException extends RunwayException {
  private static final long serialVersionUID = 1L;

  public RunwayConnectionException(String message, Throwable cause) {
    super(message, cause);
  }
}
