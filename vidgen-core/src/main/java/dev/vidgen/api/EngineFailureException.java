package dev.vidgen.api;

/** The tensor engine (libtorch through DJL) failed while running a component. The message says which component and which step; the engine's own error is the cause. */
public class EngineFailureException extends VidgenException {
  private static final long serialVersionUID = 1L;

  public EngineFailureException(String message) {
    super(message);
  }

  public EngineFailureException(String message, Throwable cause) {
    super(message, cause);
  }
}
