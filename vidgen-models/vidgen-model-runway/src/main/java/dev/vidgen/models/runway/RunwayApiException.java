package dev.vidgen.models.runway;

/**
 * Runway's API answered a call with an error status that retrying does not fix (or that persisted through every
 * retry: 429, 502-504). The subclasses name the statuses a caller handles differently: {@link
 * RunwayBadRequestException} (400), {@link RunwayAuthenticationException} (401), {@link RunwayPermissionException}
 * (403), {@link RunwayNotFoundException} (404).
 */
public class RunwayApiException extends RunwayException {
  private static final long serialVersionUID = 1L;

  private final int status;
  private final String call;
  private final String serverMessage;

  /**
   * @param status the HTTP status
   * @param call the request, e.g. {@code POST /v1/text_to_video}
   * @param serverMessage the server's explanation (the {@code error} member of its JSON body, or the body's text),
   *     never null; empty when it gave none
   * @param hint what the caller can do, appended to the message, or empty
   */
  public RunwayApiException(int status, String call, String serverMessage, String hint) {
    super("Runway API " + call + " answered " + status + describe(serverMessage) + (hint.isEmpty() ? "" : "; " + hint));
    this.status = status;
    this.call = call;
    this.serverMessage = serverMessage;
  }

  private static String describe(String serverMessage) {
    return serverMessage.isEmpty() ? " (no message)" : ": " + serverMessage;
  }

  /** The HTTP status. */
  public int status() {
    return status;
  }

  /** The request, e.g. {@code POST /v1/text_to_video}. */
  public String call() {
    return call;
  }

  /** What the server said, empty if nothing. */
  public String serverMessage() {
    return serverMessage;
  }
}
