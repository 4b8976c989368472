package dev.cohort.config;

/**
 * @param name the run's name; its directory is dir/name
 * @param dir parent directory of run directories
 * @param seed seeds initialisation, data order and sampling
 */
public record RunConfig(String name, String dir, long seed) {
  void validate(String path) {
    Check.that(name.matches("[A-Za-z0-9._-]+"), path + ".name",
        "must be letters, digits, '.', '_' or '-', got '" + name + "'");
    Check.that(!dir.isBlank(), path + ".dir", "must name a directory");
  }
}
