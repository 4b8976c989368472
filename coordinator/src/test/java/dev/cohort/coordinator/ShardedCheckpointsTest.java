package dev.cohort.coordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.cohort.checkpoint.Checkpoint;
import dev.cohort.checkpoint.CheckpointStore;
import dev.cohort.checkpoint.CheckpointTensors;
import dev.cohort.checkpoint.ManifestFile;
import dev.cohort.checkpoint.ShardFiles;
import dev.cohort.checkpoint.TrainingState;
import dev.cohort.config.CohortConfig;
import dev.cohort.placement.Placement;
import dev.cohort.placement.PlacementPlanner;
import dev.cohort.placement.WorkerId;
import dev.cohort.protocol.CoordinatorProtocol.ShardFailed;
import dev.cohort.protocol.CoordinatorProtocol.ShardFile;
import dev.cohort.protocol.CoordinatorProtocol.ShardSaved;
import dev.cohort.run.LossScaler;
import dev.cohort.tensor.HostTensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The coordinator's half of sharded checkpoints, with shard files written as workers write them: a manifest only once
 * every shard is durable, and a checkpoint with a corrupt or missing shard skipped for the previous complete one.
 */
class ShardedCheckpointsTest {
  private static final CohortConfig CONFIG = CohortConfig.load(null, List.of("parallel.dp = 2",
      "train.grad-accum-steps = 2", "checkpoint.every = 2", "checkpoint.keep = 3", "train.steps = 10"));
  private static final Placement PLACEMENT = PlacementPlanner.plan(CONFIG.model(), CONFIG.parallel(),
      List.of(new WorkerId("a"), new WorkerId("b")), 1);

  @TempDir Path dir;
  private final ListAppender<ILoggingEvent> logged = new ListAppender<>();
  private final Logger storeLog = (Logger) LoggerFactory.getLogger(CheckpointStore.class);
  private final Logger checkpointsLog = (Logger) LoggerFactory.getLogger(ShardedCheckpoints.class);

  @BeforeEach
  void captureLog() {
    logged.start();
    storeLog.addAppender(logged);
    checkpointsLog.addAppender(logged);
  }

  @AfterEach
  void releaseLog() {
    storeLog.detachAppender(logged);
    checkpointsLog.detachAppender(logged);
  }

  /** The coordinator's loss scaler at the checkpoint: the manifest must record it for an exact resume. */
  private static final LossScaler SCALER = new LossScaler(2048, 5);

  /** Worker "a" writes a shard holding {@code value}; worker "b" (a data-parallel copy) owns nothing. */
  private static Optional<Checkpoint> saveBothShards(ShardedCheckpoints checkpoints, long step, float value)
      throws IOException {
    Path staging = checkpoints.begin(step, PLACEMENT, Set.of("a", "b"), SCALER);
    List<ManifestFile> files = ShardFiles.describe(ShardFiles.write(staging, "stage0-rank0",
        Map.of("w", HostTensor.ofFloats(new long[] {2}, new float[] {value, value})),
        Map.of("exp_avg.w", HostTensor.ofFloats(new long[] {2}, new float[] {0, 0}))));
    List<ShardFile> wire = files.stream().map(f -> new ShardFile(f.name(), f.bytes(), f.sha256())).toList();
    assertTrue(checkpoints.onShard(new ShardSaved("run", 1, step, "b", List.of(), step)).isEmpty(),
        "no manifest while a shard is missing");
    return checkpoints.onShard(new ShardSaved("run", 1, step, "a", wire, step));
  }

  @Test
  void aCheckpointIsCommittedOnlyWhenEveryShardIsDurableAndLoadsByGlobalName() throws IOException {
    ShardedCheckpoints checkpoints = new ShardedCheckpoints(dir, CONFIG);
    Checkpoint committed = saveBothShards(checkpoints, 2, 1.5f).orElseThrow();
    assertTrue(checkpoints.idle());
    assertEquals(2, committed.step());
    assertEquals(2, TrainingState.of(committed).optimizerSteps());
    assertEquals(SCALER.scale(), TrainingState.of(committed).lossScale());
    assertEquals(SCALER.cleanSteps(), TrainingState.of(committed).lossScaleCleanSteps());
    assertEquals(2, committed.state().path("placement").path("dp").asInt());
    assertEquals(List.of("model-stage0-rank0.safetensors", "optimizer-stage0-rank0.safetensors"),
        committed.files().stream().map(ManifestFile::name).toList());
    float[] w = CheckpointTensors.of(checkpoints.latest().orElseThrow()).get("w").toFloats();
    assertEquals(1.5f, w[0]);
  }

  @Test
  void aCheckpointWithACorruptShardIsSkippedForThePreviousCompleteOne() throws IOException {
    ShardedCheckpoints checkpoints = new ShardedCheckpoints(dir, CONFIG);
    saveBothShards(checkpoints, 2, 1f);
    Checkpoint newest = saveBothShards(checkpoints, 4, 2f).orElseThrow();
    Path shard = newest.dir().resolve("model-stage0-rank0.safetensors");
    byte[] bytes = Files.readAllBytes(shard);
    bytes[bytes.length - 1] ^= 1; // same size, one bit flipped: only the checksum can tell
    Files.write(shard, bytes, StandardOpenOption.TRUNCATE_EXISTING);

    assertEquals(2, checkpoints.latest().orElseThrow().step());
    List<String> warnings = logged.list.stream().filter(e -> e.getLevel() == Level.WARN)
        .map(ILoggingEvent::getFormattedMessage).toList();
    assertEquals(1, warnings.size(), "one log line: " + warnings);
    assertTrue(warnings.get(0).contains("step-00000004") && warnings.get(0).contains("sha256 mismatch"),
        warnings.get(0));
  }

  @Test
  void aCheckpointWithAMissingShardIsSkippedForThePreviousCompleteOne() throws IOException {
    ShardedCheckpoints checkpoints = new ShardedCheckpoints(dir, CONFIG);
    saveBothShards(checkpoints, 2, 1f);
    Checkpoint newest = saveBothShards(checkpoints, 4, 2f).orElseThrow();
    Files.delete(newest.dir().resolve("optimizer-stage0-rank0.safetensors"));

    assertEquals(2, checkpoints.latest().orElseThrow().step());
    assertTrue(logged.list.stream().anyMatch(e -> e.getFormattedMessage().contains("missing")));
  }

  @Test
  void abandonedCheckpointsLeaveNothingBehind() throws IOException {
    ShardedCheckpoints checkpoints = new ShardedCheckpoints(dir, CONFIG);
    checkpoints.begin(2, PLACEMENT, Set.of("a", "b"), LossScaler.NONE);
    checkpoints.abortPending();
    assertTrue(checkpoints.idle());
    assertTrue(checkpoints.latest().isEmpty());
    try (var entries = Files.list(dir)) {
      assertEquals(0, entries.count(), "the staging directory is deleted");
    }
  }

  private static final String DISK_FULL = "java.io.IOException: No space left on device";

  /** Worker "a" writes its shard of {@code step}, worker "b" cannot: the checkpoint's failure, if it was pending. */
  private static Optional<ShardedCheckpoints.Failure> failOneShard(ShardedCheckpoints checkpoints, long step)
      throws IOException {
    Path staging = checkpoints.begin(step, PLACEMENT, Set.of("a", "b"), LossScaler.NONE);
    ShardFiles.write(staging, "stage0-rank0", Map.of("w", HostTensor.ofFloats(new long[] {1},
        new float[] {1})), Map.of());
    return checkpoints.onShardFailed(new ShardFailed("run", 1, step, "b", DISK_FULL));
  }

  @Test
  void aCheckpointWhoseShardCannotBeWrittenIsAbandonedAndTheNextOneCommits() throws IOException {
    ShardedCheckpoints checkpoints = new ShardedCheckpoints(dir, CONFIG);
    ShardedCheckpoints.Failure failure = failOneShard(checkpoints, 2).orElseThrow();
    assertFalse(failure.fatal(), "one failure: training goes on");
    assertTrue(checkpoints.idle(), "nothing left pending");
    try (var entries = Files.list(dir)) {
      assertEquals(0, entries.count(), "the staging directory, with the shard written, is deleted: no manifest");
    }
    assertTrue(checkpoints.onShard(new ShardSaved("run", 1, 2, "a", List.of(), 2)).isEmpty(), "a late report");
    assertTrue(checkpoints.onShardFailed(new ShardFailed("run", 1, 2, "b", DISK_FULL)).isEmpty(), "a repeat");

    assertEquals(4, saveBothShards(checkpoints, 4, 2f).orElseThrow().step());
    assertEquals(4, checkpoints.latest().orElseThrow().step());
    List<String> errors = logged.list.stream().filter(e -> e.getLevel() == Level.ERROR)
        .map(ILoggingEvent::getFormattedMessage).toList();
    assertEquals(1, errors.size(), "one log line: " + errors);
    assertTrue(errors.get(0).contains("step 2") && errors.get(0).contains("worker b")
        && errors.get(0).contains("No space left on device"), errors.get(0));
  }

  @Test
  void tooManyFailedCheckpointsInARowEndTheRunAndACommitResetsTheCount() throws IOException {
    ShardedCheckpoints checkpoints = new ShardedCheckpoints(dir, CohortConfig.load(null, List.of("parallel.dp = 2",
        "train.grad-accum-steps = 2", "checkpoint.every = 2", "train.steps = 20",
        "checkpoint.max-consecutive-failures = 2")));
    assertFalse(failOneShard(checkpoints, 2).orElseThrow().fatal());
    saveBothShards(checkpoints, 4, 1f).orElseThrow();
    assertFalse(failOneShard(checkpoints, 6).orElseThrow().fatal(), "the commit of step 4 reset the count");
    ShardedCheckpoints.Failure second = failOneShard(checkpoints, 8).orElseThrow();
    assertTrue(second.fatal());
    assertTrue(second.reason().contains("2 checkpoints in a row") && second.reason().contains("step 8")
        && second.reason().contains("No space left on device"), second.reason());
    assertEquals(4, checkpoints.latest().orElseThrow().step());
  }

  @Test
  void aFailedFinalCheckpointEndsTheRun() throws IOException {
    ShardedCheckpoints checkpoints = new ShardedCheckpoints(dir, CONFIG);
    ShardedCheckpoints.Failure last = failOneShard(checkpoints, 10).orElseThrow();
    assertTrue(last.fatal(), "no later checkpoint would save the trained model");
    assertTrue(last.reason().contains("final checkpoint"), last.reason());
  }
}
