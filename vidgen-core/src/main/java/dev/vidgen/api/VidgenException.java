package dev.vidgen.api;

/**
 * Root of every error vidgen throws on purpose. Unchecked, like Guava's and jdbi's: callers catch the precise
 * subclass they can handle ({@link ModelNotFoundException}, {@link ConfigException}, ...) and let the rest
 * propagate. Messages name the file, tensor, field or argument involved and what was expected.
 */
public class VidgenException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public VidgenException(String message) {
    super(message);
  }

  public VidgenException(String message, Throwable cause) {
    super(message, cause);
  }
}
