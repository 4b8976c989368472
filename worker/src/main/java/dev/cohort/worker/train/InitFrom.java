package dev.cohort.worker.train;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.cohort.checkpoint.Checkpoint;
import dev.cohort.checkpoint.CheckpointStore;
import dev.cohort.checkpoint.Manifest;
import dev.cohort.config.CohortConfig;
import dev.cohort.config.ConfigError;
import dev.cohort.model.Parameters;
import dev.cohort.model.layout.ParamSpec;
import dev.cohort.run.RunDirectory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** recipe.init-from: a run's weights as the starting point of another (pretrain -> SFT -> DPO). */
public final class InitFrom {
  private static final Logger log = LoggerFactory.getLogger(InitFrom.class);
  private static final String KEY = "cohort.recipe.init-from";

  private InitFrom() {}

  /** The checkpoint {@code source} names: a run directory's newest complete one, or a checkpoint directory. */
  public static Checkpoint resolve(Path source) {
    if (Files.isRegularFile(source.resolve(Manifest.FILE_NAME))) return checkpointDirectory(source);
    RunDirectory run = new RunDirectory(source);
    if (!Files.isDirectory(run.checkpoints())) {
      throw new ConfigError(KEY, "'" + source + "' is neither a run directory nor a checkpoint directory");
    }
    return new TrainerCheckpoints(run.checkpoints(), Integer.MAX_VALUE).latest()
        .orElseThrow(() -> new ConfigError(KEY, "run '" + source + "' has no complete checkpoint"));
  }

  /**
   * A run's starting weights, or the part of them a pipeline stage holds: drawn from run.seed (per tensor, so any
   * slice draws what the whole model would), then overwritten by recipe.init-from's where it is set.
   */
  public static Parameters startingWeights(CohortConfig config, List<ParamSpec> layout, NDManager manager,
      DataType dtype) {
    Parameters params = Parameters.initialize(layout, config.run().seed(), manager, dtype);
    if (!config.recipe().initFrom().isBlank()) load(Path.of(config.recipe().initFrom()), params, manager);
    return params;
  }

  /** Copies the source's weights into {@code params} (by global name: any slice of any checkpoint's placement). */
  public static void load(Path source, Parameters params, NDManager manager) {
    Checkpoint checkpoint = resolve(source);
    TrainerCheckpoints.loadParameters(checkpoint, params, manager);
    log.info("weights from {} (step {})", checkpoint.dir(), checkpoint.step());
  }

  private static Checkpoint checkpointDirectory(Path dir) {
    Path absolute = dir.toAbsolutePath().normalize();
    try {
      for (Checkpoint c : new CheckpointStore(absolute.getParent(), Integer.MAX_VALUE).list()) {
        if (c.dir().toAbsolutePath().normalize().equals(absolute)) return c;
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read checkpoint " + dir, e);
    }
    throw new ConfigError(KEY, "checkpoint '" + dir + "' is incomplete or corrupt");
  }
}
