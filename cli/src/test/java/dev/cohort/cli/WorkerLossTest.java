package dev.cohort.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;


import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import dev.cohort.cluster.LocalWorkers;
import dev.cohort.config.CohortConfig;
import dev.cohort.coordinator.LocalRun;
import dev.cohort.coordinator.RunSpec;
import dev.cohort.metrics.ClusterMetrics;
import dev.cohort.worker.single.Trainer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Chaos: a worker JVM is killed with SIGKILL after a random (seeded) step of a data-parallel run. The run finishes,
 * every step's loss equals the uninterrupted run's, and the work redone after the kill starts at the last checkpoint
 * committed by then. Once on the one worker left, once on a replacement JVM that LocalRun starts, once killing
 * twice in one run. And a worker JVM frozen with SIGSTOP: the coordinator counts its missed step deadlines and
 * drops it as a straggler, the run goes on alone with the same losses.
 */
class WorkerLossTest {
  private static final int STEPS = 12;
  private static final int CHECKPOINT_EVERY = 3;
  private static final double RELATIVE = 1e-4;
  private static final long SEED = 20261123L;
  private static final int FREEZE_AFTER = 4;
  private static final int STRAGGLER_LIMIT = 2;
  private static final String LOST_AS_STRAGGLER = "cohort_cluster_workers_lost_total{reason=\"straggler\"}";
  @TempDir static Path dir;
  private static List<JsonNode> uninterrupted;

  private static Config config(String name, String... more) {
    List<String> overrides = new ArrayList<>(List.of("model.vocab-size = 50257", "data.seq-len = 32",
        "data.prepared = \"" + dir.resolve("brown") + "\"", "run.dir = \"" + dir.resolve("runs") + "\"",
        "run.name = " + name, "train.micro-batch-size = 2", "train.grad-accum-steps = 4", "train.warmup-steps = 2",
        "train.lr = 0.01", "train.eval-every = 0", "train.steps = " + STEPS, "train.threads = 1",
        "checkpoint.every = " + CHECKPOINT_EVERY, "cluster.coordinator-port = 0", "cluster.worker-heap = \"1g\"",
        "cluster.step-timeout-seconds = 60", "cluster.unreachable-grace-seconds = 3", "metrics.port = 0"));
    overrides.addAll(List.of(more));
    return CohortConfig.hocon(Path.of("../conf/model/tiny.conf"), overrides);
  }

  private static List<JsonNode> metrics(String name) throws IOException {
    return MetricsLines.of(dir.resolve("runs"), name);
  }

  @BeforeAll
  static void trainUninterrupted() throws IOException {
    Config single = config("uninterrupted", "checkpoint.every = 0");
    try (Trainer trainer = new Trainer(CohortConfig.fromHocon(single), single, false)) {
      trainer.run((metrics, total) -> { });
    }
    uninterrupted = metrics("uninterrupted");
  }

  /** Seeded kill steps, increasing, each at least two steps after the last so a recovery lies between them. */
  private static List<Long> killSteps(Random random, int kills) {
    List<Long> steps = new ArrayList<>();
    long step = 1 + random.nextInt(STEPS - 4); // leaves steps to do after the recovery
    steps.add(step);
    for (int i = 1; i < kills; i++) {
      step = step + 2 + random.nextInt((int) (STEPS - 2 - (step + 2)) + 1);
      steps.add(step);
    }
    return steps;
  }

  /** Runs with a worker killed after a seeded random step; returns the last metrics line. */
  private static ObjectNode runKillingOneWorker(String name, String... settings) throws IOException {
    return runKillingWorkers(name, 1, settings);
  }

  /**
   * Runs with {@code kills} workers killed, one after each of as many seeded random steps (a seeded random victim
   * each time); returns the last metrics line.
   */
  private static ObjectNode runKillingWorkers(String name, int kills, String... settings) throws IOException {
    Random random = new Random(SEED);
    List<Long> killAfter = killSteps(random, kills);
    int victim = random.nextInt(2);
    AtomicReference<LocalWorkers> processes = new AtomicReference<>();
    List<Long> committedAtKill = new CopyOnWriteArrayList<>();
    List<Integer> killIndex = new CopyOnWriteArrayList<>();
    List<Long> stepsSeen = new CopyOnWriteArrayList<>();
    AtomicLong killNanos = new AtomicLong();
    AtomicLong backNanos = new AtomicLong();
    Config config = config(name, settings);
    ObjectNode last = LocalRun.run(CohortConfig.fromHocon(config), config, Main.class.getName(), List.of("worker"),
        (metrics, total) -> {
          long step = metrics.get("step").asLong();
          if (!committedAtKill.isEmpty() && backNanos.get() == 0) backNanos.set(System.nanoTime());
          stepsSeen.add(step);
          int done = committedAtKill.size();
          if (done < killAfter.size() && step == killAfter.get(done)) {
            committedAtKill.add(ClusterJvms.newestCommitted(dir.resolve("runs").resolve(name)));
            killIndex.add(stepsSeen.size() - 1);
            if (done == 0) killNanos.set(System.nanoTime());
            int which = done == 0 ? victim : random.nextInt(2);
            ProcessHandle.of(processes.get().pids().get(which)).orElseThrow().destroyForcibly(); // SIGKILL
          }
        }, false, processes::set);

    assertEquals(STEPS - 1, last.get("step").asLong());
    assertEquals(kills, committedAtKill.size(), "kills done after steps " + killAfter + ": " + stepsSeen);
    List<JsonNode> lines = metrics(name);
    assertEquals(STEPS, lines.size(), "one metrics line per step, redone steps replaced");
    for (int step = 0; step < STEPS; step++) {
      double expected = uninterrupted.get(step).get("loss").asDouble();
      assertEquals(step, lines.get(step).get("step").asInt());
      assertEquals(expected, lines.get(step).get("loss").asDouble(), RELATIVE * expected, name + ": step " + step);
    }
    for (int i = 0; i < kills; i++) {
      long restart = stepsSeen.get(killIndex.get(i) + 1);
      assertTrue(restart >= committedAtKill.get(i) && restart <= killAfter.get(i) + 1,
          "after the kill at step " + killAfter.get(i) + " training went on at step " + restart
              + "; the newest checkpoint then was of step " + committedAtKill.get(i));
    }
    System.out.printf("%s: killed workers after steps %s; steps seen %s; first step after the first kill done %d ms "
        + "after it%n", name, killAfter, stepsSeen, (backNanos.get() - killNanos.get()) / 1_000_000);
    return last;
  }

  @Test
  @Timeout(110)
  void aRunGoesOnOnTheWorkerLeftWithTheSameLosses() throws IOException {
    ObjectNode last = runKillingOneWorker("fewer", "parallel.dp = 2", "cluster.restart-lost-workers = false");
    assertEquals(1, last.get("workers").size(), "the last steps ran on the one worker left");
  }

  @Test
  @Timeout(110)
  void aReplacementWorkerJvmTakesTheLostOnesPlace() throws IOException {
    ObjectNode last = runKillingOneWorker("replaced", "parallel.dp = 2", "cluster.restart-lost-workers = true",
        "cluster.replacement-wait-seconds = 60");
    assertEquals(2, last.get("workers").size(), "the last steps ran on two workers again");
  }

  /**
   * parallel.zero = 2: half of every parameter's moments died with the worker; the replacement and the one left
   * reload them from the checkpoint's shards, each worker the ones it owns in the new placement.
   */
  @Test
  @Timeout(110)
  void aWorkerKilledUnderShardedOptimizerStateAndGradientsIsReplacedWithTheSameLosses() throws IOException {
    ObjectNode last = runKillingOneWorker("zero2", "parallel.dp = 2", "parallel.zero = 2",
        "cluster.restart-lost-workers = true", "cluster.replacement-wait-seconds = 60");
    assertEquals(2, last.get("workers").size(), "the last steps ran on two workers again");
  }

  /** Two kills in one run, each recovered from on a replacement JVM: the second hits the recovered placement. */
  @Test
  @Timeout(200)
  void aRunSurvivesSeveralKillsWithTheSameLosses() throws IOException {
    ObjectNode last = runKillingWorkers("twice", 2, "parallel.dp = 2", "cluster.restart-lost-workers = true",
        "cluster.replacement-wait-seconds = 60");
    assertEquals(2, last.get("workers").size(), "the last steps ran on two workers again");
  }

  /**
   * The worker killed after step 1 is started again once the run goes on alone (the first step redone on one
   * worker); the listener holds the coordinator until the new worker has registered, so that it is there (and taken
   * in) at the next checkpoint, step 3, whatever the machine's speed.
   */
  @Test
  @Timeout(110)
  void aWorkerThatJoinsLaterIsTakenInAtTheNextCheckpoint() throws Exception {
    String name = "joins-later";
    Config config = config(name, "parallel.dp = 2", "cluster.restart-lost-workers = false");
    Path replacementLog = dir.resolve("runs").resolve(name).resolve("logs").resolve("worker-1-r1.log");
    AtomicReference<LocalWorkers> processes = new AtomicReference<>();
    List<Integer> workersPerStep = new CopyOnWriteArrayList<>();
    ObjectNode last = LocalRun.run(CohortConfig.fromHocon(config), config, Main.class.getName(), List.of("worker"),
        (metrics, total) -> {
          workersPerStep.add(metrics.get("workers").size());
          if (workersPerStep.size() == 2) {
            ProcessHandle.of(processes.get().pids().get(1)).orElseThrow().destroyForcibly(); // after step 1
          } else if (workersPerStep.size() == 3) {
            processes.get().restart(1);
            awaitRegistered(replacementLog);
          }
        }, false, processes::set);

    assertEquals(STEPS - 1, last.get("step").asLong());
    assertEquals(2, last.get("workers").size(), "the replacement was taken in: " + workersPerStep);
    assertTrue(workersPerStep.contains(1), "some steps ran on one worker: " + workersPerStep);
    List<JsonNode> lines = metrics(name);
    for (int step = 0; step < STEPS; step++) {
      double expected = uninterrupted.get(step).get("loss").asDouble();
      assertEquals(expected, lines.get(step).get("loss").asDouble(), RELATIVE * expected, name + ": step " + step);
    }
  }

  /**
   * A worker JVM frozen with SIGSTOP after step {@value #FREEZE_AFTER}: its peer waits for it in the all-reduce (and
   * says so when probed), the frozen one answers nothing, so only it misses the 1 s deadlines; at the second miss it
   * is lost as a straggler, about 3 s after the freeze, before the split-brain resolver would remove it as
   * unreachable (5-6 s) and long before cluster.unreachable-grace-seconds. The coordinator's /metrics counts both.
   */
  @Test
  @Timeout(110)
  void aFrozenWorkerIsDroppedAsAStragglerAndTheRunGoesOnWithTheSameLosses() throws Exception {
    String name = "frozen";
    Path targets = dir.resolve("targets-" + name);
    Config config = config(name, "parallel.dp = 2", "cluster.restart-lost-workers = false",
        "cluster.straggler-seconds = 1", "cluster.straggler-limit = " + STRAGGLER_LIMIT,
        "cluster.unreachable-grace-seconds = 60", "metrics.targets-dir = \"" + targets + "\"");
    AtomicReference<LocalWorkers> processes = new AtomicReference<>();
    AtomicLong frozenPid = new AtomicLong();
    Map<String, Integer> misses = new ConcurrentHashMap<>();
    Map<String, String> lost = new ConcurrentHashMap<>();
    List<String> scrapes = new CopyOnWriteArrayList<>(); // the coordinator's /metrics before the freeze and after
    RunSpec.Listener listener = new RunSpec.Listener() {
      @Override
      public void onStep(ObjectNode metrics, long total) {
        long step = metrics.get("step").asLong();
        if (step == FREEZE_AFTER && frozenPid.get() == 0) {
          scrapes.add(CoordinatorScrape.of(targets));
          frozenPid.set(processes.get().pids().get(1));
          WorkerSignals.freeze(frozenPid.get());
        } else if (!lost.isEmpty() && scrapes.size() == 1) {
          scrapes.add(CoordinatorScrape.of(targets));
          WorkerSignals.thawAndKill(frozenPid.get());
        }
      }

      @Override
      public void onStraggler(String workerId, long step, int count) {
        misses.put(workerId, count);
      }

      @Override
      public void onWorkerLost(String workerId, String reason) {
        lost.put(workerId, reason);
      }
    };
    ObjectNode last;
    try {
      last = LocalRun.run(CohortConfig.fromHocon(config), config, Main.class.getName(), List.of("worker"), listener,
          false, processes::set);
    } finally {
      if (frozenPid.get() != 0) WorkerSignals.thawAndKill(frozenPid.get());
    }

    assertEquals(1, lost.size(), "one worker lost: " + lost);
    String victim = lost.keySet().iterator().next();
    assertEquals(ClusterMetrics.STRAGGLER, lost.get(victim), "lost as a straggler, not as unreachable");
    assertEquals(STRAGGLER_LIMIT, misses.get(victim), "misses by worker: " + misses);
    misses.forEach((id, n) -> assertTrue(id.equals(victim) || n < STRAGGLER_LIMIT,
        "the worker waiting for the frozen one was not blamed: " + misses));
    assertEquals(2, scrapes.size(), "scraped before the freeze and after the loss");
    assertEquals(1.0, CoordinatorScrape.sample(scrapes.get(1), LOST_AS_STRAGGLER)
        - CoordinatorScrape.sample(scrapes.get(0), LOST_AS_STRAGGLER));
    assertEquals(STRAGGLER_LIMIT, CoordinatorScrape.sample(scrapes.get(1),
        "cohort_cluster_straggler_misses_total{worker=\"" + victim + "\"}"));
    assertEquals(1, last.get("workers").size(), "the last steps ran on the worker left");
    List<JsonNode> lines = metrics(name);
    assertEquals(STEPS, lines.size(), "one metrics line per step, redone steps replaced");
    for (int step = 0; step < STEPS; step++) {
      double expected = uninterrupted.get(step).get("loss").asDouble();
      assertEquals(expected, lines.get(step).get("loss").asDouble(), RELATIVE * expected, name + ": step " + step);
    }
  }

  /** Waits until a worker's log says it registered, plus time for the registration to reach the coordinator. */
  private static void awaitRegistered(Path log) {
    long deadline = System.nanoTime() + java.time.Duration.ofSeconds(60).toNanos();
    try {
      while (System.nanoTime() < deadline) {
        if (Files.exists(log) && Files.readString(log).contains("registered")) {
          Thread.sleep(3000);
          return;
        }
        Thread.sleep(200);
      }
    } catch (IOException | InterruptedException e) {
      throw new IllegalStateException(e);
    }
    throw new IllegalStateException("the replacement worker never registered; see " + log);
  }
}
