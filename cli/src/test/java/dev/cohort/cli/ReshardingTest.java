package dev.cohort.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.Config;
import dev.cohort.checkpoint.CheckpointStore;
import dev.cohort.config.CohortConfig;
import dev.cohort.coordinator.LocalRun;
import dev.cohort.run.RunDirectory;
import dev.cohort.worker.single.Trainer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checkpoints load into any layout: a run checkpointed under pp=2 x dp=2 (real worker JVMs on 127.0.0.1) continues
 * under pp=1 x dp=3 and in a single worker, and a single worker's checkpoint continues under dp=2, every step's loss
 * equal to an uninterrupted single-worker run's. The learning rate is flat after warm-up so that extending
 * train.steps on resume changes nothing else.
 */
class ReshardingTest {
  private static final int FIRST_PART = 4;
  private static final int STEPS = 8;
  private static final double RELATIVE = 1e-4;
  @TempDir static Path dir;
  private static List<JsonNode> uninterrupted;

  private static List<String> overrides(String name, int steps, String... more) {
    List<String> overrides = new ArrayList<>(List.of("model.vocab-size = 50257", "data.seq-len = 32",
        "data.prepared = \"" + dir.resolve("brown") + "\"", "run.dir = \"" + dir.resolve("runs") + "\"",
        "run.name = " + name, "train.micro-batch-size = 2", "train.grad-accum-steps = 6", "train.warmup-steps = 2",
        "train.min-lr-ratio = 1", "train.lr = 0.01", "train.eval-every = 0", "train.steps = " + steps,
        "train.threads = 1", "checkpoint.every = 2", "checkpoint.keep = 5", "cluster.coordinator-port = 0",
        "cluster.worker-heap = \"1g\"", "cluster.step-timeout-seconds = 60", "cluster.join-timeout-seconds = 120",
        "metrics.port = 0"));
    overrides.addAll(List.of(more));
    return overrides;
  }

  private static Config fresh(String name, int steps, String... parallel) {
    return CohortConfig.hocon(Path.of("../conf/model/tiny.conf"), overrides(name, steps, parallel));
  }

  /** A copy of run {@code from} named {@code name}, resumed with {@code parallel} and the full step count. */
  private static Config resumedCopy(String from, String name, String... parallel) throws IOException {
    Path source = dir.resolve("runs").resolve(from);
    Path target = dir.resolve("runs").resolve(name);
    try (Stream<Path> files = Files.walk(source)) {
      for (Path p : files.sorted(Comparator.naturalOrder()).toList()) {
        Files.copy(p, target.resolve(source.relativize(p).toString()));
      }
    }
    List<String> overrides = new ArrayList<>(List.of("run.name = " + name, "train.steps = " + STEPS));
    overrides.addAll(List.of(parallel));
    return new RunDirectory(target).resumedConfig(overrides);
  }

  private static List<JsonNode> metrics(String name) throws IOException {
    return MetricsLines.of(dir.resolve("runs"), name);
  }

  private static void distributed(Config config, boolean resume) {
    LocalRun.run(CohortConfig.fromHocon(config), config, Main.class.getName(), List.of("worker"),
        (metrics, total) -> { }, resume, workers -> { });
  }

  private static void assertContinuesUninterrupted(String name, int firstStep) throws IOException {
    List<JsonNode> lines = metrics(name);
    assertEquals(STEPS, lines.size(), name + ": one metrics line per step");
    for (int step = firstStep; step < STEPS; step++) {
      double expected = uninterrupted.get(step).get("loss").asDouble();
      double actual = lines.get(step).get("loss").asDouble();
      assertEquals(step, lines.get(step).get("step").asInt());
      assertEquals(expected, actual, RELATIVE * expected, name + ": loss of step " + step);
    }
  }

  @BeforeAll
  static void trainUninterruptedAndFirstPartOnFourWorkers() throws IOException {
    Config single = fresh("uninterrupted", STEPS, "checkpoint.every = 0");
    try (Trainer trainer = new Trainer(CohortConfig.fromHocon(single), single, false)) {
      trainer.run((metrics, total) -> { });
    }
    uninterrupted = metrics("uninterrupted");
    distributed(fresh("pp2dp2", FIRST_PART, "parallel.pp = 2", "parallel.dp = 2", "parallel.schedule = 1f1b"),
        false);
    assertContinuesUninterruptedUpTo("pp2dp2", FIRST_PART);
  }

  private static void assertContinuesUninterruptedUpTo(String name, int steps) throws IOException {
    List<JsonNode> lines = metrics(name);
    assertEquals(steps, lines.size());
    for (int step = 0; step < steps; step++) {
      double expected = uninterrupted.get(step).get("loss").asDouble();
      assertEquals(expected, lines.get(step).get("loss").asDouble(), RELATIVE * expected, name + " step " + step);
    }
  }

  @Test
  @Timeout(150)
  void aCheckpointOfTwoStagesByTwoReplicasContinuesOnThreeReplicas() throws IOException {
    distributed(resumedCopy("pp2dp2", "dp3", "parallel.pp = 1", "parallel.dp = 3"), true);
    assertContinuesUninterrupted("dp3", FIRST_PART);
  }

  @Test
  @Timeout(150)
  void aCheckpointOfTwoStagesByTwoReplicasContinuesInOneWorkerAndBackOnTwo() throws IOException {
    Config single = resumedCopy("pp2dp2", "single", "parallel.pp = 1", "parallel.dp = 1");
    try (Trainer trainer = new Trainer(CohortConfig.fromHocon(single), single, true)) {
      assertEquals(FIRST_PART, trainer.firstStep());
      trainer.run((metrics, total) -> { });
    }
    assertContinuesUninterrupted("single", FIRST_PART);

    // The single worker's own checkpoint of step 6 (the one of step 8 removed) continues on two replicas.
    Path singleCheckpoints = new RunDirectory(dir.resolve("runs").resolve("single")).checkpoints();
    Files.walk(singleCheckpoints.resolve(CheckpointStore.dirName(STEPS))).sorted(Comparator.reverseOrder())
        .forEach(p -> p.toFile().delete());
    assertTrue(Files.isRegularFile(singleCheckpoints.resolve(CheckpointStore.dirName(6)).resolve("model.safetensors")));
    distributed(resumedCopy("single", "single-to-dp2", "parallel.pp = 1", "parallel.dp = 2"), true);
    assertContinuesUninterrupted("single-to-dp2", 6);
  }
}
