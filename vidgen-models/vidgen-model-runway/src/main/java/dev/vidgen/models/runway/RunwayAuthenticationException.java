package dev.vidgen.models.runway;

/** Runway's API answered 401: the API key was not accepted. The message carries the server's explanation. */
public class RunwayAuthenticationException extends RunwayApiException {
  private static final long serialVersionUID = 1L;

  public RunwayAuthenticationException(String call, String serverMessage, String hint) {
    super(401, call, serverMessage, hint);
  }
}
