package dev.vidgen.server;

import java.util.Map;

/**
 * A request the service refuses, with the HTTP status to answer and a message for the client (sent as {@code
 * {"error": message}}). Messages name the field, path or limit at fault; they never contain server paths.
 */
final class ApiException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int status;
  private final transient Map<String, String> headers;

  ApiException(int status, String message) {
    this(status, message, Map.of());
  }

  ApiException(int status, String message, Map<String, String> headers) {
    super(message, null, false, false);
    this.status = status;
    this.headers = Map.copyOf(headers);
  }

  int status() {
    return status;
  }

  /** Extra response headers, e.g. {@code Retry-After} for 429 or {@code Allow} for 405. */
  Map<String, String> headers() {
    return headers;
  }

  static ApiException badRequest(String message) {
    return new ApiException(400, message);
  }

  static ApiException notFound(String message) {
    return new ApiException(404, message);
  }
}
