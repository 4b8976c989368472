package dev.cohort.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import dev.cohort.cluster.HostPort;
import dev.cohort.cluster.LocalWorkers;
import dev.cohort.cluster.WorkerLaunch;
import dev.cohort.config.CohortConfig;
import dev.cohort.worker.single.Trainer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The JVMs of a cluster deployment, as the multi-JVM tests start and watch them on 127.0.0.1: `cohort coordinator
 * --train` processes (a primary and standbys), `cohort worker --join` processes, their logs, and the run they drive.
 */
final class ClusterJvms {
  /** The line a coordinator prints once it listens; group 1 is the address workers and standbys join. */
  static final Pattern LISTENING = Pattern.compile("coordinator listening on (\\S+);");
  /** How long a SIGKILLed process may take to disappear. */
  private static final Duration KILL_WAIT = Duration.ofSeconds(10);
  private static final String TINY = "../conf/model/tiny.conf";
  private static final ObjectMapper JSON = new ObjectMapper();

  private ClusterJvms() {}

  /** A `cohort coordinator --train` JVM on the tiny model with {@code overrides}, its output in {@code log}. */
  static Process coordinator(List<String> overrides, Path log, String... extra) throws IOException {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx512m", "-cp", System.getProperty("java.class.path"), Main.class.getName(), "coordinator", "--train",
        "--config", TINY));
    for (String o : overrides) command.addAll(List.of("--set", o));
    command.addAll(List.of(extra));
    return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
  }

  /** {@code count} `cohort worker` JVMs joining the cluster at {@code join}, logging into {@code logs}. */
  static LocalWorkers workers(int count, HostPort join, Path logs) {
    return LocalWorkers.start(new WorkerLaunch(count, join, Main.class.getName(), List.of("worker"), List.of(),
        System.getProperty("java.class.path"), "1g", Duration.ofSeconds(5), ProcessHandle.current().pid(), logs));
  }

  /** Trains the tiny model with {@code overrides} in this JVM, one worker, no checkpoints: the reference losses. */
  static List<JsonNode> uninterrupted(List<String> overrides, Path runs, String name) throws IOException {
    List<String> single = new ArrayList<>(overrides);
    single.addAll(List.of("run.name = " + name, "checkpoint.every = 0", "parallel.dp = 1"));
    Config config = CohortConfig.hocon(Path.of(TINY), single);
    try (Trainer trainer = new Trainer(CohortConfig.fromHocon(config), config, false)) {
      trainer.run((metrics, total) -> { });
    }
    return MetricsLines.of(runs, name);
  }

  /** Group 1 of the first match of {@code pattern} in {@code log}, waiting for it up to {@code timeout}. */
  static String awaitLine(Path log, Pattern pattern, Duration timeout) throws Exception {
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

  /**
   * The step lines a coordinator printed (one JSON object per finished step, redone steps included), in order; a
   * last line still being written is left for the next read.
   */
  static List<JsonNode> stepLines(Path log) throws IOException {
    List<JsonNode> lines = new ArrayList<>();
    if (!Files.exists(log)) return lines;
    String text = Files.readString(log);
    for (String line : text.substring(0, text.lastIndexOf('\n') + 1).split("\n")) {
      if (line.startsWith("{\"step\"")) lines.add(JSON.readTree(line));
    }
    return lines;
  }

  /** The newest committed checkpoint's step in a run's directory (0 when there is none). */
  static long newestCommitted(Path run) {
    Path checkpoints = run.resolve("checkpoints");
    if (!Files.isDirectory(checkpoints)) return 0;
    try (Stream<Path> dirs = Files.list(checkpoints)) {
      return dirs.map(p -> p.getFileName().toString()).filter(n -> n.matches("step-\\d+"))
          .mapToLong(n -> Long.parseLong(n.substring("step-".length()))).max().orElse(0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Kills a process with SIGKILL and waits (bounded) until it is gone. */
  static void kill(ProcessHandle process) throws Exception {
    process.destroyForcibly();
    process.onExit().get(KILL_WAIT.toSeconds(), TimeUnit.SECONDS);
  }

  /** Kills the process if it still runs; for finally blocks. */
  static void killQuietly(Process process) {
    if (process == null) return;
    process.destroyForcibly();
    try {
      process.waitFor(KILL_WAIT.toSeconds(), TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
