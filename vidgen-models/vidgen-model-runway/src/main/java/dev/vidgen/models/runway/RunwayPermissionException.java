package dev.vidgen.models.runway;

/** Runway's API answered 403: the API key may not do this. The message carries the server's explanation. */
public class RunwayPermissionException extends RunwayApiException {
  private static final long serialVersionUID = 1L;

  public RunwayPermissionException(String call, String serverMessage, String hint) {
    super(403, call, serverMessage, hint);
  }
}
