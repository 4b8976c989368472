package dev.cohort.checkpoint;

import java.nio.file.Path;

/** A checkpoint file or directory that cannot be used, naming it and what is wrong with it. */
public final class CheckpointError extends RuntimeException {
  private final transient Path file;
  private final String problem;

  public CheckpointError(Path file, String problem) {
    super(file + ": " + problem);
    this.file = file;
    this.problem = problem;
  }

  public CheckpointError(Path file, String problem, Throwable cause) {
    super(file + ": " + problem, cause);
    this.file = file;
    this.problem = problem;
  }

  public Path file() {
    return file;
  }

  /** What is wrong, without the file name. */
  public String problem() {
    return problem;
  }
}
