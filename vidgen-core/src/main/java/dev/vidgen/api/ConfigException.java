package dev.vidgen.api;

/** A config file (config.json, scheduler_config.json, model_index.json) is malformed or holds a value vidgen cannot use. The message names the file and the field. */
public class ConfigException extends VidgenException {
  private static final long serialVersionUID = 1L;

  public ConfigException(String message) {
    super(message);
  }

  public ConfigException(String message, Throwable cause) {
    super(message, cause);
  }
}
