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
import java.util.List;
import java.util.concurrent.TimeUnit;
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
  @TempDir static Path dir;

  private static List<String> overrides(String name) {
    return List.of("model.vocab-size = 50257", "data.seq-len = 32", "data.prepared = \"" + dir.resolve("brown") + "\"",
        "run.dir = \"" + dir.resolve("runs") + "\"", "run.name = " + name, "train.micro-batch-size = 2",
        "train.grad-accum-steps = 4", "train.warmup-steps = 2", "train.lr = 0.01", "train.eval-every = 0",
        "train.steps = " + STEPS, "train.threads = 1", "checkpoint.every = 3", "parallel.dp = 2",
        "cluster.coordinator-port = 0", "cluster.worker-heap = \"1g\"", "cluster.step-timeout-seconds = 60",
        "cluster.join-timeout-seconds = 120", "cluster.unreachable-grace-seconds = 3", "metrics.port = 0");
  }

  private static List<JsonNode> metrics(String name) throws IOException {
    return MetricsLines.of(dir.resolve("runs"), name);
  }

  @Test
  @Timeout(180)
  void aStandbyCoordinatorTakesTheRunOverFromTheNewestCheckpoint() throws Exception {
    List<JsonNode> uninterrupted = ClusterJvms.uninterrupted(overrides("uninterrupted"), dir.resolve("runs"),
        "uninterrupted");

    String name = "failover";
    Path logs = Files.createDirectories(dir.resolve("logs"));
    Process primary = ClusterJvms.coordinator(overrides(name), logs.resolve("primary.log"));
    Process standby = null;
    LocalWorkers workers = null;
    try {
      HostPort address = HostPort.parse(ClusterJvms.awaitLine(logs.resolve("primary.log"), ClusterJvms.LISTENING,
          Duration.ofSeconds(60)));
      standby = ClusterJvms.coordinator(overrides(name), logs.resolve("standby.log"), "--join", address.toString(),
          "--resume");
      ClusterJvms.awaitLine(logs.resolve("standby.log"), ClusterJvms.LISTENING, Duration.ofSeconds(60));
      workers = ClusterJvms.workers(2, address, logs);
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
      ClusterJvms.killQuietly(primary);
      ClusterJvms.killQuietly(standby);
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
