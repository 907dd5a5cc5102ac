package dev.vidgen.api;

/** A weight file is malformed, or a tensor is missing, unexpected or mis-shaped. The message names the file, the tensor key, expected and actual shape, and the config field that drove the expectation. */
public class WeightsException extends VidgenException {
  private static final long serialVersionUID = 1L;

  public WeightsException(String message) {
    super(message);
  }

  public WeightsException(String message, Throwable cause) {
    super(message, cause);
  }
}
