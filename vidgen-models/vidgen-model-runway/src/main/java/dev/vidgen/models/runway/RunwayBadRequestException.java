package dev.vidgen.models.runway;

/** Runway's API answered 400: the request does not match what the model accepts. The message carries the server's explanation. */
public class RunwayBadRequestException extends RunwayApiException {
  private static final long serialVersionUID = 1L;

  public RunwayBadRequestException(String call, String serverMessage, String hint) {
    super(400, call, serverMessage, hint);
  }
}
