package dev.cohort.worker.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import dev.cohort.checkpoint.Checkpoint;
import dev.cohort.checkpoint.CheckpointError;
import dev.cohort.checkpoint.CheckpointStore;
import dev.cohort.checkpoint.CheckpointTensors;
import dev.cohort.checkpoint.PendingCheckpoint;
import dev.cohort.checkpoint.Safetensors;
import dev.cohort.checkpoint.TrainingState;
import dev.cohort.config.CohortConfig;
import dev.cohort.config.TrainConfig;
import dev.cohort.model.HostArrays;
import dev.cohort.model.Ops;
import dev.cohort.model.Parameters;
import dev.cohort.run.LossScaler;
import dev.cohort.tensor.TensorSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A single worker's checkpoints: model.safetensors (one tensor per global parameter name), optimizer.safetensors
 * (exp_avg.NAME, exp_avg_sq.NAME) and, in the manifest, the {@link TrainingState} (with the loss scaler).
 */
public final class TrainerCheckpoints {
  private static final Logger log = LoggerFactory.getLogger(TrainerCheckpoints.class);

  private final CheckpointStore store;

  public TrainerCheckpoints(Path dir, int keep) {
    try {
      this.store = new CheckpointStore(dir, keep);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open checkpoint directory " + dir, e);
    }
  }

  public void save(long step, Parameters params, AdamW optimizer, LossScaler scaler, CohortConfig config) {
    long start = System.nanoTime();
    try (PendingCheckpoint pending = store.begin(step)) {
      // Between steps, on the training thread: the arrays hold still while they stream to the files one at a time.
      Safetensors.write(pending.file(TrainingState.MODEL_FILE), hostSources(params.state()), Map.of("format", "pt"));
      Safetensors.write(pending.file(TrainingState.OPTIMIZER_FILE), hostSources(optimizer.moments()),
          Map.of("format", "pt"));
      pending.commit(new TrainingState(step, optimizer.steps(), config.run().seed(),
          step * config.train().globalBatch(), scaler.scale(), scaler.cleanSteps()).toJson());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write checkpoint of step " + step, e);
    }
    log.info("checkpoint step {} written in {} ms", step, (System.nanoTime() - start) / 1_000_000);
  }

  /**
   * Loads the newest complete checkpoint into params, optimizer and the step's loss scaler; returns its step (0 when
   * there is none).
   */
  public long restoreLatest(Parameters params, AdamW optimizer, TrainingStep trainingStep, TrainConfig train,
      NDManager manager) {
    Optional<Checkpoint> latest = latest();
    if (latest.isEmpty()) {
      log.warn("no complete checkpoint in {}: starting from step 0", store.dir());
      return 0;
    }
    Checkpoint checkpoint = latest.get();
    TrainingState state = TrainingState.of(checkpoint);
    restore(CheckpointTensors.of(checkpoint), params, optimizer, state.optimizerSteps(), manager);
    trainingStep.restore(LossScaler.resumed(state, train));
    log.info("resumed from checkpoint step {}", checkpoint.step());
    return checkpoint.step();
  }

  /**
   * Loads the parameters {@code params} holds and the AdamW moments {@code optimizer} keeps from a checkpoint of any
   * placement (a single worker's files or a distributed run's shards).
   */
  public static void restore(CheckpointTensors saved, Parameters params, AdamW optimizer, long optimizerSteps,
      NDManager manager) {
    loadParameters(saved, params, manager);
    optimizer.restore(optimizerSteps, moment -> HostArrays.toArray(saved.get(moment), manager));
  }

  /** Copies a checkpoint's model tensors into {@code params} (every parameter and buffer must be present, shapes equal). */
  public static void loadParameters(Checkpoint checkpoint, Parameters params, NDManager manager) {
    loadParameters(CheckpointTensors.of(checkpoint), params, manager);
  }

  /** One tensor at a time: each loaded copy is closed once copied, so loading never holds a second model. */
  private static void loadParameters(CheckpointTensors saved, Parameters params, NDManager manager) {
    for (Map.Entry<String, NDArray> entry : params.state().entrySet()) {
      try (NDScope scope = new NDScope()) {
        String name = entry.getKey();
        NDArray value = HostArrays.toArray(saved.get(name), manager);
        NDArray target = entry.getValue();
        if (!value.getShape().equals(target.getShape())) {
          throw new CheckpointError(saved.dir(), "'" + name + "' has shape " + value.getShape()
              + ", the model expects " + target.getShape());
        }
        Ops.copyInto(target, value.toType(target.getDataType(), false));
      }
    }
  }

  public Optional<Checkpoint> latest() {
    try {
      return store.latest();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list checkpoints in " + store.dir(), e);
    }
  }

  /**
   * The arrays as sources a checkpoint writer copies to the host one at a time, as it reaches each: the arrays must
   * hold still until the write returns (no step may run meanwhile).
   */
  public static Map<String, TensorSource> hostSources(Map<String, NDArray> arrays) {
    Map<String, TensorSource> out = new LinkedHashMap<>();
    arrays.forEach((name, array) -> out.put(name, HostArrays.source(array)));
    return out;
  }

}
