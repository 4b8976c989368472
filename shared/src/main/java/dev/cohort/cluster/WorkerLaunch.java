package dev.cohort.cluster;

import dev.cohort.config.ClusterConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * What {@link LocalWorkers} starts: {@code count} JVMs, each running
 * {@code java FLAGS -Xmx<heap> -cp <classpath> <mainClass> <commandWords> --join <coordinator>
 * --parent-pid <parentPid> <extraArgs>}.
 *
 * @param count how many worker processes
 * @param coordinator the endpoint the workers join
 * @param mainClass the workers' main class, e.g. "dev.cohort.cli.Main"
 * @param commandWords the arguments that select the worker command of {@code mainClass}: ["worker"] for the CLI's
 *     Main, [] for a main class that is the worker command itself
 * @param extraArgs more arguments for the worker command, after --join and --parent-pid
 * @param classpath the workers' class path; normally this JVM's
 * @param heap maximum heap of each worker, as for -Xmx
 * @param stopGrace how long {@link LocalWorkers#close()} lets workers leave the cluster before killing them
 * @param parentPid the process whose exit makes the workers exit; normally this JVM
 * @param logDir each worker's stdout and stderr go to {@code logDir/worker-<i>.log}
 */
public record WorkerLaunch(
    int count,
    HostPort coordinator,
    String mainClass,
    List<String> commandWords,
    List<String> extraArgs,
    String classpath,
    String heap,
    Duration stopGrace,
    long parentPid,
    Path logDir) {
  public WorkerLaunch {
    if (count < 1) throw new IllegalArgumentException("need at least one worker, got " + count);
    commandWords = List.copyOf(commandWords);
    extraArgs = List.copyOf(extraArgs);
  }

  /**
   * Workers of this JVM's class path that die with this JVM, heap and stop grace from {@code cluster}, no extra
   * arguments.
   */
  public static WorkerLaunch of(ClusterConfig cluster, int count, HostPort coordinator, String mainClass,
      List<String> commandWords, Path logDir) {
    return new WorkerLaunch(count, coordinator, mainClass, commandWords, List.of(),
        System.getProperty("java.class.path"), cluster.workerHeap(), Duration.ofSeconds(cluster.stopGraceSeconds()),
        ProcessHandle.current().pid(), logDir);
  }

  public WorkerLaunch withExtraArgs(List<String> args) {
    return new WorkerLaunch(count, coordinator, mainClass, commandWords, args, classpath, heap, stopGrace,
        parentPid, logDir);
  }

  public WorkerLaunch withParentPid(long pid) {
    return new WorkerLaunch(count, coordinator, mainClass, commandWords, extraArgs, classpath, heap, stopGrace,
        pid, logDir);
  }
}
