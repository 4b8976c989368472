package dev.cohort.cli;

import com.typesafe.config.Config;
import dev.cohort.config.CohortConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** --config FILE and --set key=value, shared by every command that reads a run configuration. */
final class ConfigOptions {
  @Option(names = "--config", paramLabel = "FILE",
      description = "HOCON file over the defaults (reference.conf); e.g. conf/model/tiny.conf")
  Path file;

  @Option(names = "--set", paramLabel = "KEY=VALUE",
      description = "Override one setting, relative to the cohort section: --set train.steps=100 (repeatable)")
  List<String> overrides = new ArrayList<>();

  Config hocon() {
    return CohortConfig.hocon(file, overrides);
  }

  CohortConfig load() {
    return CohortConfig.fromHocon(hocon());
  }
}
