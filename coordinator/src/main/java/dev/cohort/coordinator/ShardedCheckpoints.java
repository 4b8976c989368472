package dev.cohort.coordinator;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cohort.checkpoint.Checkpoint;
import dev.cohort.checkpoint.CheckpointStore;
import dev.cohort.checkpoint.ManifestFile;
import dev.cohort.checkpoint.PendingCheckpoint;
import dev.cohort.checkpoint.TrainingState;
import dev.cohort.config.CohortConfig;
import dev.cohort.metrics.CheckpointMetrics;
import dev.cohort.placement.Placement;
import dev.cohort.protocol.CoordinatorProtocol.ShardFailed;
import dev.cohort.protocol.CoordinatorProtocol.ShardFile;
import dev.cohort.protocol.CoordinatorProtocol.ShardSaved;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The coordinator's side of sharded checkpoints. At a checkpoint step it opens a pending checkpoint (a staging
 * directory every worker writes its shard into), collects each worker's report that its shard is durable, and only
 * then commits the manifest (step, placement, data position, every shard file with size and SHA-256): the rename that
 * makes the checkpoint visible happens once, here, so a crash at any point leaves the previous complete checkpoint.
 * Several checkpoints may be pending at once when writing is slower than the interval. A checkpoint that cannot be
 * written (a worker's shard, or its staging directory) is abandoned, its staging directory deleted, and training goes
 * on; checkpoint.max-consecutive-failures in a row, or a failed final checkpoint, end the run. Not thread-safe: the
 * coordinator's actor owns it.
 */
final class ShardedCheckpoints implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ShardedCheckpoints.class);

  /** A checkpoint being written: who must still report, what has been reported. */
  private record Saving(PendingCheckpoint pending, Placement placement, Set<String> workers,
      Map<String, ShardSaved> reports, long startNanos) {}

  private final CheckpointStore store;
  private final CohortConfig config;
  private final Map<Long, Saving> saving = new TreeMap<>();
  private int consecutiveFailures;

  /**
   * A checkpoint that could not be written.
   *
   * @param fatal whether the run must end: the limit of failures in a row reached, or the run's final checkpoint
   * @param reason for the run's failure, when fatal
   */
  record Failure(long step, boolean fatal, String reason) {}

  ShardedCheckpoints(Path dir, CohortConfig config) {
    try {
      this.store = new CheckpointStore(dir, config.checkpoint().keep());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open checkpoint directory " + dir, e);
    }
    this.config = config;
  }

  /** Whether the state after {@code stepsDone} steps is checkpointed: every checkpoint.every steps, and the last. */
  boolean due(long stepsDone) {
    int every = config.checkpoint().every();
    return (every > 0 && stepsDone % every == 0) || stepsDone == config.train().steps();
  }

  /** Opens the checkpoint of {@code stepsDone}; returns the staging directory the workers write into. */
  Path begin(long stepsDone, Placement placement, Set<String> workers) {
    try {
      PendingCheckpoint pending = store.begin(stepsDone);
      saving.put(stepsDone, new Saving(pending, placement, Set.copyOf(workers), new HashMap<>(), System.nanoTime()));
      return pending.dir();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start checkpoint of step " + stepsDone, e);
    }
  }

  /** Records a worker's durable shard; commits and returns the checkpoint when it was the last one missing. */
  Optional<Checkpoint> onShard(ShardSaved shard) {
    Saving s = saving.get(shard.step());
    if (s == null || s.placement().epoch() != shard.epoch() || !s.workers().contains(shard.workerId())) {
      log.warn("dropped shard report of step {} epoch {} from {}: no such pending checkpoint", shard.step(),
          shard.epoch(), shard.workerId());
      return Optional.empty();
    }
    s.reports().put(shard.workerId(), shard);
    if (!s.reports().keySet().containsAll(s.workers())) return Optional.empty();
    saving.remove(shard.step());
    return Optional.of(commit(shard.step(), s));
  }

  /** A worker could not write its shard: abandons that checkpoint. Empty when it was not (or no longer) pending. */
  Optional<Failure> onShardFailed(ShardFailed failed) {
    Saving s = saving.get(failed.step());
    if (s == null || s.placement().epoch() != failed.epoch() || !s.workers().contains(failed.workerId())) {
      log.info("ignored shard failure of step {} epoch {} from {}: no such pending checkpoint", failed.step(),
          failed.epoch(), failed.workerId());
      return Optional.empty();
    }
    saving.remove(failed.step());
    closeQuietly(s.pending()); // deletes what any worker wrote of it; a leftover goes with the next commit's pruning
    return Optional.of(failed(failed.step(), "worker " + failed.workerId() + " could not write its shard: "
        + failed.error()));
  }

  /** Counts a checkpoint of {@code step} that could not be written for {@code cause}, in one log line. */
  Failure failed(long step, String cause) {
    consecutiveFailures++;
    CheckpointMetrics.failed();
    int allowed = config.checkpoint().maxConsecutiveFailures();
    log.error("checkpoint step {} abandoned: {} ({} of {} allowed failures in a row)", step, cause,
        consecutiveFailures, allowed);
    if (step == config.train().steps()) {
      return new Failure(step, true, "the final checkpoint, step " + step + ", could not be written: " + cause);
    }
    if (consecutiveFailures >= allowed) {
      return new Failure(step, true, consecutiveFailures + " checkpoints in a row could not be written "
          + "(checkpoint.max-consecutive-failures), the last, step " + step + ": " + cause);
    }
    return new Failure(step, false, "");
  }

  private Checkpoint commit(long step, Saving s) {
    List<ManifestFile> files = new ArrayList<>();
    long optimizerSteps = -1;
    for (ShardSaved report : s.reports().values()) {
      for (ShardFile f : report.files()) files.add(new ManifestFile(f.name(), f.bytes(), f.sha256()));
      if (optimizerSteps >= 0 && optimizerSteps != report.optimizerSteps()) {
        throw new IllegalStateException("workers disagree on the optimizer steps of checkpoint " + step);
      }
      optimizerSteps = report.optimizerSteps();
    }
    files.sort((a, b) -> a.name().compareTo(b.name()));
    try {
      Checkpoint committed = s.pending().commitManifest(state(step, optimizerSteps, s.placement()), files);
      consecutiveFailures = 0;
      log.info("checkpoint step {} committed: {} shard files from {} workers, {} ms after it was taken", step,
          files.size(), s.workers().size(), (System.nanoTime() - s.startNanos()) / 1_000_000);
      return committed;
    } catch (IOException e) {
      closeQuietly(s.pending());
      throw new UncheckedIOException("cannot commit checkpoint of step " + step, e);
    }
  }

  /** The manifest state: what the single-worker trainer records, plus the placement that wrote the shards. */
  private ObjectNode state(long step, long optimizerSteps, Placement placement) {
    ObjectNode state = new TrainingState(step, optimizerSteps, config.run().seed(),
        step * config.train().globalBatch()).toJson();
    ObjectNode layout = state.putObject("placement");
    layout.put("epoch", placement.epoch()).put("pp", placement.pp()).put("dp", placement.dp())
        .put("ep", placement.ep());
    return state;
  }

  /** Whether no checkpoint is waiting for shards. */
  boolean idle() {
    return saving.isEmpty();
  }

  /** The newest complete checkpoint (checksums verified; corrupt or incomplete newer ones skipped with a warning). */
  Optional<Checkpoint> latest() {
    try {
      return store.latest();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list checkpoints in " + store.dir(), e);
    }
  }

  /** Abandons every pending checkpoint (its workers' placement is gone); committed ones stay. */
  void abortPending() {
    for (Map.Entry<Long, Saving> e : saving.entrySet()) {
      log.warn("checkpoint step {} abandoned: its placement ended before every shard was durable", e.getKey());
      closeQuietly(e.getValue().pending());
    }
    saving.clear();
  }

  @Override
  public void close() {
    abortPending();
  }

  private static void closeQuietly(PendingCheckpoint pending) {
    try {
      pending.close();
    } catch (IOException e) {
      log.warn("cannot delete staging directory {}: {}", pending.dir(), e.toString());
    }
  }

  /** A checkpoint's step and the layout that wrote it, for logs. */
  static String describe(Checkpoint c) {
    String writer = c.state().has("placement") ? c.state().get("placement").toString() : "a single worker";
    return "step " + c.step() + " (written by " + writer + ")";
  }
}
