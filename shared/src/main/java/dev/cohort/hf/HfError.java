package dev.cohort.hf;

/** A model or a directory that cannot cross between Cohort and Hugging Face transformers; the message says why. */
public final class HfError extends RuntimeException {
  public HfError(String message) {
    super(message);
  }
}
