package dev.cohort.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.Config;
import dev.cohort.cluster.HostPort;
import dev.cohort.cluster.LocalWorkers;
import dev.cohort.cluster.WorkerLaunch;
import dev.cohort.config.CohortConfig;
import dev.cohort.worker.train.Trainer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A coordinator JVM driving a run on two worker JVMs is killed with SIGKILL after a checkpoint; the standby
 * coordinator JVM that joined its cluster takes the coordinator singleton over, resumes from the newest complete
 * checkpoint, and finishes the run with every step's loss equal to an uninterrupted run's.
 */
class CoordinatorLossTest {
  private static final int STEPS = 10;
  private static final int KILL_AFTER_LINES = 5; // the checkpoint of step 3 is committed by then or soon after
  private static final double RELATIVE = 1e-4;
  private static final Pattern LISTENING = Pattern.compile("coordinator listening on (\\S+);");
  @TempDir static Path dir;

  private static List<String> overrides(String name) {
    return List.of("model.vocab-size = 50257", "data.seq-len = 32", "data.prepared = \"" + dir.resolve("brown") + "\"",
        "run.dir = \"" + dir.resolve("runs") + "\"", "run.name = " + name, "train.micro-batch-size = 2",
        "train.grad-accum-steps = 4", "train.warmup-steps = 2", "train.lr = 0.01", "train.eval-every = 0",
        "train.steps = " + STEPS, "train.threads = 1", "checkpoint.every = 3", "parallel.dp = 2",
        "cluster.coordinator-port = 0", "cluster.worker-heap = \"1g\"", "cluster.step-timeout-seconds = 60",
        "cluster.join-timeout-seconds = 120", "cluster.unreachable-grace-seconds = 3", "metrics.port = 0");
  }

  private static Process coordinator(String name, Path log, String... extra) throws IOException {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx512m", "-cp", System.getProperty("java.class.path"), Main.class.getName(), "coordinator", "--train",
        "--config", "../conf/model/tiny.conf"));
    for (String o : overrides(name)) command.addAll(List.of("--set", o));
    command.addAll(List.of(extra));
    return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
  }

  private static String awaitLine(Path log, Pattern pattern, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (Files.exists(log)) {
        Matcher m = pattern.matcher(Files.readString(log));
        if (m.find()) return m.group(1);
      }
      Thread.sleep(200);
    }
    throw new AssertionError("no line matching " + pattern + " in " + log + " within " + timeout);
  }

  private static List<JsonNode> metrics(String name) throws IOException {
    return MetricsLines.of(dir.resolve("runs"), name);
  }

  @Test
  @Timeout(180)
  void aStandbyCoordinatorTakesTheRunOverFromTheNewestCheckpoint() throws Exception {
    List<String> singleWorker = new ArrayList<>(overrides("uninterrupted"));
    singleWorker.addAll(List.of("checkpoint.every = 0", "parallel.dp = 1"));
    Config single = CohortConfig.hocon(Path.of("../conf/model/tiny.conf"), singleWorker);
    try (Trainer trainer = new Trainer(CohortConfig.fromHocon(single), single, false)) {
      trainer.run((metrics, total) -> { });
    }
    List<JsonNode> uninterrupted = metrics("uninterrupted");

    String name = "failover";
    Path logs = Files.createDirectories(dir.resolve("logs"));
    Process primary = coordinator(name, logs.resolve("primary.log"));
    Process standby = null;
    LocalWorkers workers = null;
    try {
      HostPort address = HostPort.parse(awaitLine(logs.resolve("primary.log"), LISTENING, Duration.ofSeconds(60)));
      standby = coordinator(name, logs.resolve("standby.log"), "--join", address.toString(), "--resume");
      awaitLine(logs.resolve("standby.log"), LISTENING, Duration.ofSeconds(60));
      workers = LocalWorkers.start(new WorkerLaunch(2, address, Main.class.getName(), List.of("worker"), List.of(),
          System.getProperty("java.class.path"), "1g", Duration.ofSeconds(5), ProcessHandle.current().pid(),
          logs));
      long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
      while (metrics(name).size() < KILL_AFTER_LINES && System.nanoTime() < deadline) Thread.sleep(100);
      assertTrue(metrics(name).size() >= KILL_AFTER_LINES, "the primary trained " + KILL_AFTER_LINES + " steps");
      long killed = System.nanoTime();
      primary.destroyForcibly(); // SIGKILL
      assertTrue(standby.waitFor(120, TimeUnit.SECONDS), "the standby finished the run; see " + logs);
      System.out.printf("coordinator killed; standby finished the run %d ms later%n",
          (System.nanoTime() - killed) / 1_000_000);
      assertEquals(0, standby.exitValue(), Files.readString(logs.resolve("standby.log")));
      assertTrue(Files.readString(logs.resolve("standby.log")).contains("every worker loads checkpoint step"),
          "the standby resumed from a checkpoint");
    } finally {
      primary.destroyForcibly();
      if (standby != null) standby.destroyForcibly();
      if (workers != null) workers.close();
    }
    List<JsonNode> lines = metrics(name);
    assertEquals(STEPS, lines.size());
    for (int step = 0; step < STEPS; step++) {
      double expected = uninterrupted.get(step).get("loss").asDouble();
      assertEquals(expected, lines.get(step).get("loss").asDouble(), RELATIVE * expected, "step " + step);
    }
  }
}
