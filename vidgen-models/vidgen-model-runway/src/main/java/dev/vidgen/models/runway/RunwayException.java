package dev.vidgen.models.runway;

import dev.vidgen.api.VidgenException;

/**
 * Root of the errors of the Runway provider: the service refused a call ({@link RunwayApiException} and its
 * subclasses by HTTP status), could not be reached ({@link RunwayConnectionException}), the task failed ({@link
 * RunwayTaskFailedException}), the caller's timeout passed ({@link RunwayTimeoutException}) or the output could no
 * longer be downloaded ({@link RunwayOutputExpiredException}). Messages name the call and carry the server's own
 * explanation; they never contain the API key.
 */
public class RunwayException extends VidgenException {
  private static final long serialVersionUID = 1L;

  public RunwayException(String message) {
    super(message);
  }

  public RunwayException(String message, Throwable cause) {
    super(message, cause);
  }
}
