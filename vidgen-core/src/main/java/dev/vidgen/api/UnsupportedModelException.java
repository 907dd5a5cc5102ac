package dev.vidgen.api;

/** A model folder was found but no installed provider can run it (unknown pipeline class, unsupported weight format such as pickled .bin files). */
public class UnsupportedModelException extends VidgenException {
  private static final long serialVersionUID = 1L;

  public UnsupportedModelException(String message) {
    super(message);
  }

  public UnsupportedModelException(String message, Throwable cause) {
    super(message, cause);
  }
}
