package dev.vidgen.api;

/**
 * The Hub refused access to a model that exists: a gated repository whose licence the account has not accepted, or a
 * request without (or with a refused) token. The message names the model page to accept the licence on and says to
 * set {@code HF_TOKEN}; it never contains the token.
 */
public class ModelAccessException extends VidgenException {
  private static final long serialVersionUID = 1L;

  public ModelAccessException(String message) {
    super(message);
  }
}
