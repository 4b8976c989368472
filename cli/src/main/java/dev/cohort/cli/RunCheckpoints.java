package dev.cohort.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.typesafe.config.Config;
import dev.cohort.checkpoint.Checkpoint;
import dev.cohort.checkpoint.CheckpointError;
import dev.cohort.checkpoint.CheckpointStore;
import dev.cohort.checkpoint.Safetensors;
import dev.cohort.checkpoint.TrainingState;
import dev.cohort.config.CohortConfig;
import dev.cohort.config.ConfigError;
import dev.cohort.device.Devices;
import dev.cohort.model.HostArrays;
import dev.cohort.model.Ops;
import dev.cohort.model.Parameters;
import dev.cohort.model.layout.ModelLayout;
import dev.cohort.run.RunDirectory;
import dev.cohort.tensor.HostTensor;
import dev.cohort.worker.train.AdamW;
import dev.cohort.worker.train.Precision;
import dev.cohort.worker.train.TrainerCheckpoints;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A run's model as host tensors (for export and upcycling, which never run it), and a new run holding given weights
 * as its step-0 checkpoint (for import and upcycling): `./cohort train --resume` continues from it.
 */
final class RunCheckpoints {
  /** @param tensors the checkpoint's model.safetensors, by Cohort name */
  record Saved(Config hocon, CohortConfig config, long step, Map<String, HostTensor> tensors) {}

  private RunCheckpoints() {}

  /** @param step the checkpoint to read, or null for the newest complete one */
  static Saved read(Path runDir, Long step) throws IOException {
    RunDirectory run = new RunDirectory(runDir);
    Config hocon = run.resumedConfig(List.of());
    CohortConfig config = CohortConfig.fromHocon(hocon);
    CheckpointStore store = new CheckpointStore(run.checkpoints(), config.checkpoint().keep());
    Checkpoint chosen = step == null ? store.latest().orElseThrow(() -> new CheckpointError(run.checkpoints(),
        "no complete checkpoint")) : ofStep(store, step);
    Map<String, HostTensor> tensors = Safetensors.read(chosen.path(TrainingState.MODEL_FILE)).tensors();
    return new Saved(hocon, config, chosen.step(), tensors);
  }

  private static Checkpoint ofStep(CheckpointStore store, long step) throws IOException {
    List<Checkpoint> all = store.list();
    return all.stream().filter(c -> c.step() == step).findFirst().orElseThrow(() -> new CheckpointError(store.dir(),
        "no complete checkpoint of step " + step + "; there are " + all.stream().map(Checkpoint::step).toList()));
  }

  /** The config of a new run at {@code root}: {@code configFile} and {@code settings}, run.dir / run.name set to it. */
  static Config configFor(Path root, Path configFile, List<String> settings) {
    if (Files.exists(root)) throw new ConfigError("--output", root + " already exists: choose a new directory");
    Path absolute = root.toAbsolutePath().normalize();
    List<String> all = new ArrayList<>(settings);
    all.add("run.dir = \"" + absolute.getParent() + "\"");
    all.add("run.name = \"" + absolute.getFileName() + "\"");
    return CohortConfig.hocon(configFile, all);
  }

  /** Creates the run {@code root} with {@code tensors} (by Cohort name) as its step-0 checkpoint. */
  static CohortConfig create(Path root, Config hocon, Map<String, HostTensor> tensors) {
    CohortConfig config = CohortConfig.fromHocon(hocon);
    RunDirectory run = RunDirectory.create(root, hocon);
    try (NDManager manager = Devices.host()) {
      Parameters params = Parameters.initialize(ModelLayout.of(config.model()), config.run().seed(), manager,
          Precision.dtype(config.train()));
      for (String name : params.names()) {
        HostTensor tensor = tensors.get(name);
        if (tensor == null) throw new IllegalStateException("no tensor for parameter " + name);
        NDArray saved = HostArrays.toArray(tensor, manager);
        Ops.copyInto(params.get(name), saved.toType(params.get(name).getDataType(), false));
      }
      new TrainerCheckpoints(run.checkpoints(), config.checkpoint().keep())
          .save(0, params, new AdamW(config.train(), params), config);
    }
    return config;
  }
}
