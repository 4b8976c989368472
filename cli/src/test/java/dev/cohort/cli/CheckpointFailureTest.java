package dev.cohort.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import dev.cohort.checkpoint.CheckpointStore;
import dev.cohort.cluster.LocalWorkers;
import dev.cohort.config.CohortConfig;
import dev.cohort.coordinator.LocalRun;
import dev.cohort.coordinator.RunSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * A real full disk under a distributed run's checkpoint: the worker's shard file of one checkpoint is a link to
 * /dev/full, so its write fails with the kernel's ENOSPC. The run skips that checkpoint and commits the next; too many
 * failed in a row end it with a clear error. One worker JVM (dp=1): what is pinned is the coordinator's handling.
 */
class CheckpointFailureTest {
  private static final int STEPS = 8;
  private static final int CHECKPOINT_EVERY = 2;
  /** The file the single worker (stage 0, expert rank 0) writes first into a checkpoint's staging directory. */
  private static final String SHARD_FILE = "model-stage0-rank0.safetensors";
  private static final Path DISK_FULL = Path.of("/dev/full");
  private static final Duration STAGING_WAIT = Duration.ofSeconds(30);
  private static final String FAILURES = "cohort_checkpoint_failures_total";
  @TempDir Path dir;
  private final ListAppender<ILoggingEvent> logged = new ListAppender<>();
  private final Logger checkpointsLog = (Logger) LoggerFactory.getLogger("dev.cohort.coordinator.ShardedCheckpoints");

  @BeforeEach
  void captureLog() {
    logged.start();
    checkpointsLog.addAppender(logged);
  }

  @AfterEach
  void releaseLog() {
    checkpointsLog.detachAppender(logged);
  }

  private Config config(String name, String... more) {
    List<String> overrides = new ArrayList<>(List.of("model.vocab-size = 50257", "data.seq-len = 32",
        "data.prepared = \"" + dir.resolve("brown") + "\"", "run.dir = \"" + dir.resolve("runs") + "\"",
        "run.name = " + name, "train.micro-batch-size = 2", "train.grad-accum-steps = 2", "train.eval-every = 0",
        "train.steps = " + STEPS, "train.threads = 1", "checkpoint.every = " + CHECKPOINT_EVERY,
        "cluster.coordinator-port = 0", "cluster.worker-heap = \"1g\"", "cluster.step-timeout-seconds = 60",
        "metrics.port = 0", "metrics.targets-dir = \"" + dir.resolve("targets-" + name) + "\""));
    overrides.addAll(List.of(more));
    return CohortConfig.hocon(Path.of("../conf/model/tiny.conf"), overrides);
  }

  private Path checkpoints(String name) {
    return dir.resolve("runs").resolve(name).resolve("checkpoints");
  }

  /**
   * Runs with the checkpoints of {@code failing} steps on a full disk; the coordinator's /metrics at the last step
   * (and before the first fault) go to {@code scrapes}.
   */
  private ObjectNode runWithFullDisk(String name, Set<Long> failing, List<String> scrapes, String... settings) {
    Config config = config(name, settings);
    Path targets = dir.resolve("targets-" + name);
    AtomicReference<LocalWorkers> processes = new AtomicReference<>();
    RunSpec.Listener listener = (metrics, total) -> {
      long done = metrics.get("step").asLong() + 1;
      if (scrapes.isEmpty() || done == total) scrapes.add(CoordinatorScrape.of(targets));
      if (failing.contains(done)) fillDiskUnder(checkpoints(name), done, processes.get().pids().get(0));
    };
    return LocalRun.run(CohortConfig.fromHocon(config), config, Main.class.getName(), List.of("worker"), listener,
        false, processes::set);
  }

  /**
   * Told after step {@code done - 1}, before the coordinator opens checkpoint {@code done}: freezes the worker, so
   * it cannot write before the fault is in place, links its shard file in the staging directory (made as soon as
   * this returns) to /dev/full, and lets the worker go on.
   */
  private static void fillDiskUnder(Path checkpoints, long done, long workerPid) {
    WorkerSignals.freeze(workerPid);
    Thread planter = new Thread(() -> {
      try {
        Path staging = awaitStaging(checkpoints, done);
        Files.createSymbolicLink(staging.resolve(SHARD_FILE), DISK_FULL);
      } catch (IOException | InterruptedException e) {
        throw new IllegalStateException("cannot plant the full disk of checkpoint " + done, e);
      } finally {
        WorkerSignals.resume(workerPid);
      }
    }, "full-disk-" + done);
    planter.setDaemon(true);
    planter.start();
  }

  private static Path awaitStaging(Path checkpoints, long step) throws IOException, InterruptedException {
    String prefix = CheckpointStore.dirName(step) + ".tmp-";
    long deadline = System.nanoTime() + STAGING_WAIT.toNanos();
    while (System.nanoTime() < deadline) {
      try (Stream<Path> dirs = Files.list(checkpoints)) {
        Optional<Path> staging = dirs.filter(d -> d.getFileName().toString().startsWith(prefix)).findFirst();
        if (staging.isPresent()) return staging.get();
      }
      Thread.sleep(5);
    }
    throw new IllegalStateException("no staging directory of step " + step + " in " + checkpoints);
  }

  private List<String> errors() {
    return logged.list.stream().filter(e -> e.getLevel() == Level.ERROR).map(ILoggingEvent::getFormattedMessage)
        .toList();
  }

  private List<String> entries(Path checkpoints) throws IOException {
    try (Stream<Path> dirs = Files.list(checkpoints)) {
      return dirs.map(d -> d.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  @Timeout(110)
  void aCheckpointOnAFullDiskIsSkippedAndTheRunGoesOnToTheNext() throws IOException {
    String name = "disk-full-once";
    List<String> scrapes = new CopyOnWriteArrayList<>();
    ObjectNode last = runWithFullDisk(name, Set.of(4L), scrapes);

    assertEquals(STEPS - 1, last.get("step").asLong(), "the run finished");
    assertEquals(STEPS, MetricsLines.of(dir.resolve("runs"), name).size(), "one metrics line per step");
    assertEquals(List.of(CheckpointStore.dirName(2), CheckpointStore.dirName(6), CheckpointStore.dirName(8)),
        entries(checkpoints(name)), "step 4 skipped, nothing of it left; the next ones committed");
    List<String> errors = errors();
    assertEquals(1, errors.size(), "one line: " + errors);
    assertTrue(errors.get(0).contains("step 4") && errors.get(0).contains("pekko://")
        && errors.get(0).contains("No space left on device"), errors.get(0));
    assertEquals(1.0, CoordinatorScrape.sample(scrapes.get(scrapes.size() - 1), FAILURES)
        - CoordinatorScrape.sample(scrapes.get(0), FAILURES));
  }

  @Test
  @Timeout(110)
  void checkpointsFailingTooOftenInARowEndTheRunWithAClearError() throws IOException {
    String name = "disk-full-twice";
    LocalRun.RunFailed failed = assertThrows(LocalRun.RunFailed.class, () -> runWithFullDisk(name,
        Set.of(4L, 6L), new CopyOnWriteArrayList<>(), "checkpoint.max-consecutive-failures = 2"));

    assertTrue(failed.getMessage().contains("2 checkpoints in a row") && failed.getMessage().contains("step 6")
        && failed.getMessage().contains("No space left on device"), failed.getMessage());
    assertEquals(List.of(CheckpointStore.dirName(2)), entries(checkpoints(name)), "the last good checkpoint kept");
  }
}
