package dev.cohort.device;

/**
 * The configured device cannot be used, or ran out of memory: one message that says what was missing or how much
 * was in use. A user error (the CLI prints the message, not a stack trace).
 */
public final class DeviceError extends RuntimeException {
  public DeviceError(String message) {
    super(message);
  }

  public DeviceError(String message, Throwable cause) {
    super(message, cause);
  }
}
