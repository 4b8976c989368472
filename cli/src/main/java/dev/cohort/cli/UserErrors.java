package dev.cohort.cli;

import dev.cohort.config.ConfigError;
import java.io.FileNotFoundException;
import java.nio.file.NoSuchFileException;
import java.util.Set;

/** The exceptions that describe bad input (print the message, exit 2) as opposed to bugs (print the stack trace). */
final class UserErrors {
  private static final Set<String> USER_ERRORS = Set.of(
      "dev.cohort.data.DataError", "dev.cohort.checkpoint.CheckpointError",
      "dev.cohort.placement.PlacementError", "dev.cohort.coordinator.LocalRun$RunFailed", "dev.cohort.hf.HfError",
      "dev.cohort.device.DeviceError");

  private UserErrors() {}

  static boolean isUserError(Throwable error) {
    return error instanceof ConfigError
        || error instanceof NoSuchFileException
        || error instanceof FileNotFoundException
        || USER_ERRORS.contains(error.getClass().getName());
  }
}
