package dev.vidgen.models.runway;

/** Runway's API answered 404: the resource (task or endpoint) does not exist. The message carries the server's explanation. */
public class RunwayNotFoundException extends RunwayApiException {
  private static final long serialVersionUID = 1L;

  public RunwayNotFoundException(String call, String serverMessage, String hint) {
    super(404, call, serverMessage, hint);
  }
}
