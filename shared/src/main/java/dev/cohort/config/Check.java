package dev.cohort.config;

/** Validation helpers so each record states its rules in one line apiece. */
final class Check {
  private Check() {}

  static void positive(String path, double value) {
    if (!(value > 0)) throw new ConfigError(path, "must be > 0, got " + value);
  }

  static void nonNegative(String path, double value) {
    if (!(value >= 0)) throw new ConfigError(path, "must be >= 0, got " + value);
  }

  static void fraction(String path, double value) {
    if (!(value >= 0 && value < 1)) throw new ConfigError(path, "must be in [0, 1), got " + value);
  }

  static void that(boolean ok, String path, String problem) {
    if (!ok) throw new ConfigError(path, problem);
  }
}
