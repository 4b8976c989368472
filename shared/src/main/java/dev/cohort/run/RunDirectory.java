package dev.cohort.run;

import com.typesafe.config.Config;
import dev.cohort.config.CohortConfig;
import dev.cohort.config.ConfigError;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * A run's directory: config.conf (the resolved config it was started with), metrics.jsonl and checkpoints/. A new run
 * never overwrites an existing one; --resume continues it with the config it recorded.
 */
public record RunDirectory(Path root) {
  public static final String CONFIG = "config.conf";

  public Path config() {
    return root.resolve(CONFIG);
  }

  public Path metrics() {
    return root.resolve("metrics.jsonl");
  }

  public Path checkpoints() {
    return root.resolve("checkpoints");
  }

  public static Path of(CohortConfig config) {
    return Path.of(config.run().dir()).resolve(config.run().name());
  }

  /** Creates the directory of a new run and records its config; refuses to reuse one that holds a run. */
  public static RunDirectory create(Path root, Config hocon) {
    RunDirectory run = new RunDirectory(root);
    if (Files.exists(run.config())) {
      throw new ConfigError("run directory " + root + " already holds a run: pass --resume to continue it, or "
          + "choose another name with --set run.name=NAME", (Throwable) null);
    }
    try {
      Files.createDirectories(run.checkpoints());
      Path temp = run.config().resolveSibling(CONFIG + ".tmp");
      Files.writeString(temp, CohortConfig.render(hocon), StandardCharsets.UTF_8);
      Files.move(temp, run.config(), StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create run directory " + root, e);
    }
    return run;
  }

  /**
   * The config a run was started with, with {@code overrides} applied (to extend train.steps, say). The model
   * must stay the one the checkpoints were trained with.
   */
  public Config resumedConfig(List<String> overrides) {
    if (!Files.isRegularFile(config())) {
      throw new ConfigError("no run at " + root + " (missing " + CONFIG + ")", (Throwable) null);
    }
    Config recorded = CohortConfig.hocon(config(), List.of());
    Config resumed = CohortConfig.hocon(config(), overrides);
    if (!recorded.getConfig("model").equals(resumed.getConfig("model"))) {
      throw new ConfigError("cannot resume " + root + ": the model section differs from the one it was trained with",
          (Throwable) null);
    }
    return resumed;
  }

}
