package dev.cohort.worker.train;

import ai.djl.ndarray.NDManager;
import dev.cohort.checkpoint.Checkpoint;
import dev.cohort.checkpoint.CheckpointError;
import dev.cohort.config.CohortConfig;
import dev.cohort.device.Devices;
import dev.cohort.model.Parameters;
import dev.cohort.model.Transformer;
import dev.cohort.model.layout.ModelLayout;
import dev.cohort.run.RunDirectory;
import java.nio.file.Path;
import java.util.List;

/** A run's model at its newest complete checkpoint, for evaluation and generation. */
public final class TrainedModel implements AutoCloseable {
  private final CohortConfig config;
  private final NDManager manager;
  private final Transformer model;
  private final long step;

  private TrainedModel(CohortConfig config, NDManager manager, Transformer model, long step) {
    this.config = config;
    this.manager = manager;
    this.model = model;
    this.step = step;
  }

  /** @param overrides applied over the run's recorded config (e.g. data.prepared), never to the model */
  public static TrainedModel load(Path runDir, List<String> overrides) {
    RunDirectory run = new RunDirectory(runDir);
    CohortConfig config = CohortConfig.fromHocon(run.resumedConfig(overrides));
    Checkpoint checkpoint = new TrainerCheckpoints(run.checkpoints(), config.checkpoint().keep()).latest()
        .orElseThrow(() -> new CheckpointError(run.checkpoints(), "no complete checkpoint"));
    NDManager manager = Devices.manager(config.train());
    Parameters params = Parameters.initialize(ModelLayout.of(config.model()), config.run().seed(), manager,
        Precision.dtype(config.train()));
    TrainerCheckpoints.loadParameters(checkpoint, params, manager);
    return new TrainedModel(config, manager, new Transformer(config.model(), params, manager), checkpoint.step());
  }

  public CohortConfig config() {
    return config;
  }

  public Transformer model() {
    return model;
  }

  public NDManager manager() {
    return manager;
  }

  public long step() {
    return step;
  }

  @Override
  public void close() {
    manager.close();
  }
}
