package dev.cohort.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cohort.cli.observe.SmallCorpus;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * deploy/local/launch.sh trains with a coordinator, a standby coordinator and worker processes it starts separately
 * (the path the ssh, Slurm and Kubernetes launchers take), each announcing its metrics endpoint in the targets
 * folder; the standby finishes the run if the coordinator is killed.
 */
class LocalLauncherTest {
  private static final Path LAUNCHER = Path.of("../deploy/local/launch.sh");
  private static final int WORKERS = 2;
  private static final int STEPS = 3;
  private static final long TIMEOUT_SECONDS = 240;

  @TempDir Path dir;

  /** A stand-in for ./cohort that runs this build's classes, as the worker JVMs of the other tests do. */
  private Path cohortOfThisBuild() throws IOException {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    String script = "#!/usr/bin/env bash\nexec '" + java + "' -Xss4m -Xmx1g -Dai.djl.offline=true "
        + "-Dai.djl.pytorch.num_threads=1 -Dai.djl.pytorch.num_interop_threads=1 -cp '"
        + System.getProperty("java.class.path") + "' " + Main.class.getName() + " \"$@\"\n";
    Path cohort = dir.resolve("cohort");
    Files.writeString(cohort, script);
    Files.setPosixFilePermissions(cohort, PosixFilePermissions.fromString("rwx------"));
    return cohort;
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  /** The launcher for a run of {@code steps} steps named {@code name}, with its output in {@code log}. */
  private Process launch(String name, int steps, int checkpointEvery, Path log) throws IOException {
    ProcessBuilder builder = new ProcessBuilder(LAUNCHER.toString(), "-n", Integer.toString(WORKERS),
        "-p", Integer.toString(freePort()), "--", "--no-progress", "--config", "../conf/model/tiny.conf",
        "--set", "model.vocab-size=50257", "--set", "data.seq-len=32",
        "--set", "data.corpus=\"" + SmallCorpus.write(dir.resolve("corpus.jsonl")) + "\"",
        "--set", "data.prepared=\"" + dir.resolve("prepared") + "\"",
        "--set", "run.dir=\"" + dir.resolve("runs") + "\"",
        "--set", "run.name=" + name, "--set", "train.micro-batch-size=2", "--set", "train.grad-accum-steps=2",
        "--set", "train.eval-every=0", "--set", "train.steps=" + steps, "--set", "checkpoint.every=" + checkpointEvery,
        "--set", "cluster.join-timeout-seconds=180", "--set", "cluster.unreachable-grace-seconds=3",
        "--set", "metrics.port=0")
        .redirectErrorStream(true).redirectOutput(log.toFile());
    builder.environment().put("COHORT", cohortOfThisBuild().toString());
    builder.environment().put("COHORT_TARGETS", dir.resolve("targets").toString());
    return builder.start();
  }

  private static void stop(Process launcher) {
    launcher.descendants().forEach(ProcessHandle::destroyForcibly);
    launcher.destroyForcibly();
  }

  @Test
  void launchesWorkersThatJoinTrainAndAnnounceTheirMetrics() throws IOException, InterruptedException {
    Path log = dir.resolve("launch.log");
    Process launcher = launch("launched", STEPS, 0, log);
    try {
      assertTrue(launcher.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS), "launcher still running; log:\n"
          + Files.readString(log));
      String output = Files.readString(log);
      assertEquals(0, launcher.exitValue(), output);
      assertEquals(STEPS, Files.readAllLines(dir.resolve("runs/launched/metrics.jsonl")).size(), output);
      assertEquals(WORKERS, output.lines().filter(l -> l.contains("worker metrics on http://127.0.0.1:")).count(),
          output);
      assertTrue(output.contains("coordinator metrics on http://127.0.0.1:"), output);
      try (Stream<Path> left = Files.list(dir.resolve("targets"))) {
        assertEquals(List.of(), left.toList(), "every node removes its targets file when it stops");
      }
    } finally {
      stop(launcher);
    }
  }

  /** The launcher's standby coordinator finishes the run when the coordinator process is killed with SIGKILL. */
  @Test
  void theStandbyCoordinatorFinishesTheRunWhenTheCoordinatorIsKilled() throws Exception {
    int steps = 8;
    Path log = dir.resolve("failover.log");
    Path metrics = dir.resolve("runs/failover/metrics.jsonl");
    Process launcher = launch("failover", steps, 2, log);
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS);
      // Killed once a checkpoint is committed and a step beyond it is done: the standby has work to take over.
      while ((ClusterJvms.newestCommitted(dir.resolve("runs/failover")) < 2
          || MetricsLines.of(dir.resolve("runs"), "failover").size() < 3) && System.nanoTime() < deadline) {
        Thread.sleep(100);
      }
      ProcessHandle coordinator = launcher.descendants().filter(p -> {
        List<String> args = arguments(p);
        return args.contains("--external-workers") && !args.contains("--standby");
      }).findFirst().orElseThrow(() -> new AssertionError("no coordinator process among the launcher's"));
      ClusterJvms.kill(coordinator);
      assertTrue(launcher.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS), "launcher still running; log:\n"
          + Files.readString(log));
      String output = Files.readString(log);
      assertEquals(0, launcher.exitValue(), output);
      assertTrue(output.contains("every worker loads checkpoint step"), "the standby resumed: " + output);
      assertEquals(steps, Files.readAllLines(metrics).size(), output);
    } finally {
      stop(launcher);
    }
  }

  /** A process's command line from /proc (ProcessHandle.Info leaves out arguments of long command lines). */
  private static List<String> arguments(ProcessHandle process) {
    try {
      byte[] line = Files.readAllBytes(Path.of("/proc", Long.toString(process.pid()), "cmdline"));
      return List.of(new String(line, java.nio.charset.StandardCharsets.UTF_8).split("\0"));
    } catch (IOException gone) {
      return List.of();
    }
  }
}
