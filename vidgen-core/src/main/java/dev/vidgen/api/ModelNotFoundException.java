package dev.vidgen.api;

/** A model id, alias or folder could not be resolved to weights on this machine. The message lists every place that was searched and the command that downloads the model. */
public class ModelNotFoundException extends VidgenException {
  private static final long serialVersionUID = 1L;

  public ModelNotFoundException(String message) {
    super(message);
  }

  public ModelNotFoundException(String message, Throwable cause) {
    super(message, cause);
  }
}
