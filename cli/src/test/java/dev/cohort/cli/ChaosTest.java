package dev.cohort.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cohort.cluster.HostPort;
import dev.cohort.cluster.LocalWorkers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Chaos in the cluster deployment: a primary `cohort coordinator --train`, a standby coordinator joined to it, and
 * three `cohort worker` JVMs for a dp=2 run (one spare). In one run, a seeded random plan kills with SIGKILL a placed
 * worker (the spare takes its place), the primary coordinator (the standby takes the run over), and another placed
 * worker (the run goes on with fewer), each after a random step, the coordinator either second or last. The run
 * finishes; every step finished before or after a kill has the loss of an uninterrupted run (1e-4 relative); and
 * after each kill training goes on right after a committed checkpoint, the newest one at the kill or a later one.
 * The seed is printed; {@code -Dcohort.chaos.seed=N} replays a plan.
 */
class ChaosTest {
  private static final int STEPS = 15;
  private static final int CHECKPOINT_EVERY = 3;
  /** parallel.dp workers and one spare, so that one loss is made good at once and the next one is not. */
  private static final int WORKERS = 3;
  private static final double RELATIVE = 1e-4;
  private static final String SEED_PROPERTY = "cohort.chaos.seed";
  private static final Duration POLL = Duration.ofMillis(100);
  /** The whole chaotic run, start-up included; the test's own timeout leaves room for clean-up. */
  private static final Duration RUN_LIMIT = Duration.ofSeconds(200);
  private static final Pattern WORKER_PID = Pattern.compile("worker (\\S+) \\(pid (\\d+)\\) joined");
  /** Kept when the test fails: the logs of every JVM tell what happened. */
  @TempDir(cleanup = CleanupMode.ON_SUCCESS) static Path dir;

  enum Target { WORKER, COORDINATOR }

  /** Kill {@code target} once a line of step {@code afterStep} is seen (after the previous kill). */
  record Kill(Target target, long afterStep) {}

  /**
   * What was seen at a kill: the step lines printed before it, the last of their steps, the newest committed
   * checkpoint then, and when (System.nanoTime).
   */
  record Killed(Kill kill, int linesBefore, long lastStep, long committed, long atNanos) {}

  /** Three kills two to four steps apart, the first after step 1-3: a worker, then the coordinator and a worker. */
  static List<Kill> plan(Random random) {
    long first = 1 + random.nextInt(3);
    long second = first + 2 + random.nextInt(3);
    long third = second + 2 + random.nextInt(3);
    boolean coordinatorSecond = random.nextBoolean();
    return List.of(new Kill(Target.WORKER, first),
        new Kill(coordinatorSecond ? Target.COORDINATOR : Target.WORKER, second),
        new Kill(coordinatorSecond ? Target.WORKER : Target.COORDINATOR, third));
  }

  private static List<String> overrides(String name) {
    return List.of("model.vocab-size = 50257", "data.seq-len = 32", "data.prepared = \"" + dir.resolve("brown") + "\"",
        "run.dir = \"" + dir.resolve("runs") + "\"", "run.name = " + name, "train.micro-batch-size = 2",
        "train.grad-accum-steps = 4", "train.warmup-steps = 2", "train.lr = 0.01", "train.eval-every = 0",
        "train.steps = " + STEPS, "train.threads = 1", "checkpoint.every = " + CHECKPOINT_EVERY, "parallel.dp = 2",
        "cluster.coordinator-port = 0", "cluster.worker-heap = \"1g\"", "cluster.step-timeout-seconds = 60",
        "cluster.join-timeout-seconds = 120", "cluster.unreachable-grace-seconds = 3",
        "cluster.replacement-wait-seconds = 0", "metrics.port = 0");
  }

  @Test
  @Timeout(300)
  void aRunSurvivesWorkerAndCoordinatorKillsWithTheSameLosses() throws Exception {
    long seed = Long.getLong(SEED_PROPERTY, new Random().nextLong());
    List<Kill> plan = plan(new Random(seed));
    String replay = "seed " + seed + " (replay: -D" + SEED_PROPERTY + "=" + seed + "), plan " + plan;
    System.out.println("chaos: " + replay);
    List<JsonNode> reference = ClusterJvms.uninterrupted(overrides("uninterrupted"), dir.resolve("runs"),
        "uninterrupted");

    String name = "chaos";
    Deployment run = new Deployment(Files.createDirectories(dir.resolve("logs")), dir.resolve("runs").resolve(name));
    long started = System.nanoTime();
    boolean ended;
    try {
      run.start(overrides(name));
      run.drive(plan, new Random(seed + 1), started + RUN_LIMIT.toNanos());
    } finally {
      run.report(replay, (System.nanoTime() - started) / 1_000_000);
      ended = run.ended();
      run.close();
    }
    assertTrue(ended, "the run ended within " + RUN_LIMIT + "; " + replay + "; logs (kept) in " + run.logs);
    assertEquals(0, run.standby.exitValue(), "the standby finished the run; " + replay + "; see " + run.logs);
    List<JsonNode> seen = run.lines();
    assertEquals(plan.size(), run.kills.size(), "every planned kill happened; " + replay);
    for (Killed k : run.kills) assertResumedAtCheckpoint(k, seen, replay);
    for (JsonNode line : seen) assertSameLoss(reference, line, "a step line printed by a coordinator; " + replay);
    List<JsonNode> metrics = MetricsLines.of(dir.resolve("runs"), name);
    assertEquals(STEPS, metrics.size(), "one metrics.jsonl line per step; " + replay);
    for (JsonNode line : metrics) assertSameLoss(reference, line, "metrics.jsonl; " + replay);
    assertEquals(1, seen.get(seen.size() - 1).get("workers").size(), "the last steps ran on the one worker left");
  }

  /** The JVMs of the run under test, their logs, and the kills done to them. */
  private static final class Deployment implements AutoCloseable {
    final Path logs;
    final Path runDir;
    final Path primaryLog;
    final Path standbyLog;
    final List<Killed> kills = new ArrayList<>();
    /** When the first step line after each kill was seen (System.nanoTime). */
    final List<Long> recoveredNanos = new ArrayList<>();
    Process primary;
    Process standby;
    LocalWorkers workers;

    Deployment(Path logs, Path runDir) {
      this.logs = logs;
      this.runDir = runDir;
      this.primaryLog = logs.resolve("primary.log");
      this.standbyLog = logs.resolve("standby.log");
    }

    /** The primary, then the standby joined to it, then the workers. */
    void start(List<String> overrides) throws Exception {
      primary = ClusterJvms.coordinator(overrides, primaryLog);
      HostPort address = HostPort.parse(ClusterJvms.awaitLine(primaryLog, ClusterJvms.LISTENING,
          Duration.ofSeconds(60)));
      standby = ClusterJvms.coordinator(overrides, standbyLog, "--join", address.toString(), "--resume");
      ClusterJvms.awaitLine(standbyLog, ClusterJvms.LISTENING, Duration.ofSeconds(60));
      workers = ClusterJvms.workers(WORKERS, address, logs);
    }

    /** Watches the step lines and kills as planned until the standby has ended the run, or the deadline. */
    void drive(List<Kill> plan, Random victims, long deadlineNanos) throws Exception {
      while (standby.isAlive() && System.nanoTime() < deadlineNanos) {
        List<JsonNode> lines = lines();
        int recovering = recoveredNanos.size();
        if (recovering < kills.size() && lines.size() > kills.get(recovering).linesBefore()) {
          recoveredNanos.add(System.nanoTime());
        }
        if (kills.size() < plan.size() && due(plan.get(kills.size()), lines)) {
          kill(plan.get(kills.size()), lines.get(lines.size() - 1), victims);
        }
        Thread.sleep(POLL.toMillis());
      }
    }

    private void kill(Kill kill, JsonNode last, Random victims) throws Exception {
      ClusterJvms.kill(kill.target() == Target.COORDINATOR ? primary.toHandle() : placedWorker(last, victims));
      List<JsonNode> before = lines();
      kills.add(new Killed(kill, before.size(), before.get(before.size() - 1).get("step").asLong(),
          ClusterJvms.newestCommitted(runDir), System.nanoTime()));
    }

    /** The step lines of both coordinators: the primary's, then the standby's (it prints once it took over). */
    List<JsonNode> lines() throws IOException {
      List<JsonNode> all = new ArrayList<>(ClusterJvms.stepLines(primaryLog));
      all.addAll(ClusterJvms.stepLines(standbyLog));
      return all;
    }

    /** Whether a line of the kill's step has been printed since the previous kill. */
    private boolean due(Kill kill, List<JsonNode> lines) {
      int from = kills.isEmpty() ? 0 : kills.get(kills.size() - 1).linesBefore();
      return lines.subList(Math.min(from, lines.size()), lines.size()).stream()
          .anyMatch(l -> l.get("step").asLong() >= kill.afterStep());
    }

    /** The process of a random worker that ran the step of {@code line}, found through the worker logs. */
    private ProcessHandle placedWorker(JsonNode line, Random random) throws IOException {
      JsonNode placed = line.get("workers");
      String id = placed.get(random.nextInt(placed.size())).get("worker").asText();
      try (Stream<Path> files = Files.list(logs)) {
        for (Path log : files.filter(f -> f.getFileName().toString().startsWith("worker-")).toList()) {
          Matcher m = WORKER_PID.matcher(Files.readString(log));
          if (m.find() && m.group(1).equals(id)) return ProcessHandle.of(Long.parseLong(m.group(2))).orElseThrow();
        }
      }
      throw new AssertionError("no worker log names worker " + id + " in " + logs);
    }

    boolean ended() {
      return standby != null && !standby.isAlive();
    }

    /** The steps seen (step x workers, kills marked) and how long after each kill the next step finished. */
    void report(String replay, long runMs) throws IOException {
      List<JsonNode> seen = lines();
      StringBuilder steps = new StringBuilder();
      int next = 0;
      for (int i = 0; i < seen.size(); i++) {
        if (next < kills.size() && kills.get(next).linesBefore() == i) {
          steps.append(" | kill ").append(kills.get(next++).kill().target()).append(" |");
        }
        steps.append(' ').append(seen.get(i).get("step").asInt()).append('x')
            .append(seen.get(i).get("workers").size());
      }
      System.out.printf("chaos: %s; run %d ms; steps (step x workers):%s%n", replay, runMs, steps);
      for (int i = 0; i < recoveredNanos.size(); i++) {
        System.out.printf("chaos: kill of the %s after step %d: next step finished %d ms later%n",
            kills.get(i).kill().target(), kills.get(i).lastStep(),
            (recoveredNanos.get(i) - kills.get(i).atNanos()) / 1_000_000);
      }
    }

    @Override
    public void close() {
      ClusterJvms.killQuietly(primary);
      ClusterJvms.killQuietly(standby);
      if (workers != null) workers.close();
    }
  }

  /** After a kill, training went on right after a committed checkpoint, the newest one at the kill or later. */
  private static void assertResumedAtCheckpoint(Killed k, List<JsonNode> seen, String replay) {
    assertTrue(seen.size() > k.linesBefore(), "steps ran after the kill " + k.kill() + "; " + replay);
    long restart = seen.get(k.linesBefore()).get("step").asLong();
    String what = "after the kill " + k.kill() + " (last step printed " + k.lastStep() + ", newest checkpoint "
        + k.committed() + ") training went on at step " + restart + "; " + replay;
    assertEquals(0, restart % CHECKPOINT_EVERY, what);
    assertTrue(restart >= k.committed() && restart <= k.lastStep() + 1, what);
  }

  private static void assertSameLoss(List<JsonNode> reference, JsonNode line, String where) {
    int step = line.get("step").asInt();
    double expected = reference.get(step).get("loss").asDouble();
    assertEquals(expected, line.get("loss").asDouble(), RELATIVE * expected, where + ": step " + step);
  }
}
