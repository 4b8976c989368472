package dev.cohort.config;

/** A configuration that cannot be used, with the offending path and the rule it breaks. */
public final class ConfigError extends RuntimeException {
  public ConfigError(String path, String problem) {
    super("invalid config at '" + path + "': " + problem);
  }

  public ConfigError(String message, Throwable cause) {
    super(message, cause);
  }
}
