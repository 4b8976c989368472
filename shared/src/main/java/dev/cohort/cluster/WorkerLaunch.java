package dev.cohort.cluster;

import com.typesafe.config.ConfigUtil;
import dev.cohort.config.ClusterConfig;
import dev.cohort.config.TlsConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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
  /** The worker command's option overriding one setting of its config. */
  static final String SET = "--set";

  public WorkerLaunch {
    if (count < 1) throw new IllegalArgumentException("need at least one worker, got " + count);
    commandWords = List.copyOf(commandWords);
    extraArgs = List.copyOf(extraArgs);
  }

  /**
   * Workers of this JVM's class path that die with this JVM, heap and stop grace from {@code cluster}; their only
   * extra arguments carry {@code cluster}'s TLS settings, since a plain-TCP worker could not join a TLS cluster.
   */
  public static WorkerLaunch of(ClusterConfig cluster, int count, HostPort coordinator, String mainClass,
      List<String> commandWords, Path logDir) {
    return new WorkerLaunch(count, coordinator, mainClass, commandWords, tlsArgs(cluster.tls()),
        System.getProperty("java.class.path"), cluster.workerHeap(), Duration.ofSeconds(cluster.stopGraceSeconds()),
        ProcessHandle.current().pid(), logDir);
  }

  /** Adds arguments after the ones already there. */
  public WorkerLaunch withExtraArgs(List<String> args) {
    List<String> all = new ArrayList<>(extraArgs);
    all.addAll(args);
    return new WorkerLaunch(count, coordinator, mainClass, commandWords, all, classpath, heap, stopGrace,
        parentPid, logDir);
  }

  /** {@code --set cluster.tls.KEY=VALUE} for each TLS setting when TLS is on (files as absolute paths). */
  static List<String> tlsArgs(TlsConfig tls) {
    if (!tls.enabled()) return List.of();
    Map<String, String> files = new LinkedHashMap<>();
    files.put("key-store", tls.keyStore());
    files.put("key-store-password-file", tls.keyStorePasswordFile());
    files.put("trust-store", tls.trustStore());
    files.put("trust-store-password-file", tls.trustStorePasswordFile());
    List<String> args = new ArrayList<>(List.of(SET, "cluster.tls.enabled=true"));
    files.forEach((key, file) -> args.addAll(List.of(SET,
        "cluster.tls." + key + "=" + ConfigUtil.quoteString(Path.of(file).toAbsolutePath().toString()))));
    return List.copyOf(args);
  }

  public WorkerLaunch withParentPid(long pid) {
    return new WorkerLaunch(count, coordinator, mainClass, commandWords, extraArgs, classpath, heap, stopGrace,
        pid, logDir);
  }
}
