package dev.cohort.data;

/** Input data that cannot be used: a missing file, a bad corpus line, a missing prepared corpus. */
public final class DataError extends RuntimeException {
  public DataError(String message) {
    super(message);
  }

  public DataError(String message, Throwable cause) {
    super(message, cause);
  }
}
