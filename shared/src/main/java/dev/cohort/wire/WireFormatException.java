package dev.cohort.wire;

/** Bytes that cannot be a valid message, or a value that cannot be sent: names the class or field at fault. */
public final class WireFormatException extends IllegalArgumentException {
  public WireFormatException(String message) {
    super(message);
  }

  public WireFormatException(String message, Throwable cause) {
    super(message, cause);
  }
}
