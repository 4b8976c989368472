package dev.cohort.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** Which trained run to load: its directory and settings to override (never the model). */
final class RunOptions {
  @Option(names = "--run", paramLabel = "DIR", defaultValue = "runs/default",
      description = "Run directory (default: ${DEFAULT-VALUE}); its newest complete checkpoint is loaded")
  Path dir;

  @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override a setting of the run's config")
  List<String> overrides = new ArrayList<>();
}
