package dev.cohort.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * Worker JVMs on this machine, as torchrun starts ranks: each a child process with its output in a log file (so
 * nothing is lost and no pipe fills up), stopped together with {@link #stop(Duration)}, by a JVM shutdown hook
 * (Ctrl-C), or, should this JVM die without running hooks (kill -9), by each worker watching {@value #PARENT_PID}.
 */
public final class LocalWorkers implements AutoCloseable {
  /** The worker command's option naming the coordinator to join. */
  public static final String JOIN = "--join";
  /** The worker command's option naming the process whose exit makes the worker exit. */
  public static final String PARENT_PID = "--parent-pid";

  /**
   * Several worker JVMs share the machine's cores: one PyTorch thread each, DJL never downloads (a missing native
   * library fails at once), and deep model code gets a larger thread stack.
   */
  static final List<String> JVM_FLAGS = List.of(
      "-Dai.djl.offline=true",
      "-Dai.djl.pytorch.num_threads=1",
      "-Dai.djl.pytorch.num_interop_threads=1",
      "-Xss4m");

  /** How long to wait for killed processes to disappear. */
  private static final Duration KILL_WAIT = Duration.ofSeconds(10);

  private final WorkerLaunch launch;
  /** The live set: a replaced worker's new process takes the dead one's index. */
  private final List<Process> processes;
  private final Thread shutdownHook;
  private volatile boolean stopping;
  /** Whether a worker whose process exits is started again ({@link #replacingDeadWorkers}). */
  private volatile boolean replacing;
  private int restarts;

  private LocalWorkers(WorkerLaunch launch, List<Process> processes) {
    this.launch = launch;
    this.processes = new CopyOnWriteArrayList<>(processes);
    this.shutdownHook = new Thread(() -> stop(launch.stopGrace()), "cohort-stop-workers");
  }

  /** Starts the workers; they then join the coordinator on their own. */
  public static LocalWorkers start(WorkerLaunch launch) {
    List<Process> started = new ArrayList<>();
    try {
      Files.createDirectories(launch.logDir());
      for (int i = 0; i < launch.count(); i++) {
        started.add(VisibleGpus.assign(new ProcessBuilder(command(launch)), i)
            .redirectErrorStream(true)
            .redirectOutput(logFile(launch, i).toFile())
            .start());
      }
    } catch (IOException e) {
      started.forEach(Process::destroyForcibly);
      throw new UncheckedIOException("cannot start worker " + started.size() + " of " + launch.count()
          + " (logs in " + launch.logDir() + ")", e);
    }
    LocalWorkers workers = new LocalWorkers(launch, started);
    Runtime.getRuntime().addShutdownHook(workers.shutdownHook);
    return workers;
  }

  /**
   * From now on, a worker process that exits before {@link #stop} is replaced by a new one (its log goes to
   * worker-INDEX-rN.log), which joins the coordinator like the first: an elastic run gets its workers back.
   */
  public LocalWorkers replacingDeadWorkers() {
    replacing = true;
    for (Process p : processes) p.onExit().thenRun(() -> replace(p));
    return this;
  }

  private synchronized void replace(Process dead) {
    int index = processes.indexOf(dead);
    if (index >= 0) restart(index);
  }

  /**
   * Starts worker {@code index} afresh (logging to worker-INDEX-rN.log), ending its process first if it still runs;
   * a worker joins a run in progress at its next checkpoint. Does nothing once the workers are being stopped.
   */
  public synchronized void restart(int index) {
    if (stopping) return;
    processes.get(index).destroyForcibly();
    restarts++;
    Path log = launch.logDir().resolve("worker-" + index + "-r" + restarts + ".log");
    try {
      Process fresh = VisibleGpus.assign(new ProcessBuilder(command(launch)), index).redirectErrorStream(true)
          .redirectOutput(log.toFile()).start();
      processes.set(index, fresh);
      if (replacing) fresh.onExit().thenRun(() -> replace(fresh));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start a replacement for worker " + index + " (log " + log + ")", e);
    }
  }

  /** The command line of one worker process. */
  static List<String> command(WorkerLaunch launch) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(JVM_FLAGS);
    command.add("-Xmx" + launch.heap());
    command.add("-cp");
    command.add(launch.classpath());
    command.add(launch.mainClass());
    command.addAll(launch.commandWords());
    command.add(JOIN);
    command.add(launch.coordinator().toString());
    command.add(PARENT_PID);
    command.add(Long.toString(launch.parentPid()));
    command.addAll(launch.extraArgs());
    return command;
  }

  private static Path logFile(WorkerLaunch launch, int index) {
    return launch.logDir().resolve("worker-" + index + ".log");
  }

  /** The child side of {@value #PARENT_PID}: runs {@code action} once the parent has exited (or now, if gone). */
  public static void onParentExit(long parentPid, Runnable action) {
    ProcessHandle.of(parentPid).ifPresentOrElse(
        parent -> parent.onExit().thenRun(action),
        action);
  }

  /** Process ids, by worker index. */
  public List<Long> pids() {
    return processes.stream().map(Process::pid).toList();
  }

  /** Where worker {@code index} writes its output. */
  public Path logFile(int index) {
    return logFile(launch, index);
  }

  /**
   * Asks every worker to exit (SIGTERM: it leaves the cluster), kills those still running after {@code grace}, and
   * waits for them to be gone. Idempotent.
   */
  public void stop(Duration grace) {
    stopping = true; // before taking the lock: a replacement in progress sees it and starts nothing more
    synchronized (this) {
      stopAll(grace);
    }
  }

  private void stopAll(Duration grace) {
    processes.forEach(Process::destroy);
    awaitExit(grace);
    processes.stream().filter(Process::isAlive).forEach(Process::destroyForcibly);
    awaitExit(KILL_WAIT);
    List<Long> survivors = processes.stream().filter(Process::isAlive).map(Process::pid).toList();
    if (!survivors.isEmpty()) throw new IllegalStateException("worker processes survived SIGKILL: " + survivors);
    forgetShutdownHook();
  }

  /** {@link #stop(Duration)} with the launch's grace period. */
  @Override
  public void close() {
    stop(launch.stopGrace());
  }

  private void awaitExit(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    try {
      for (Process process : processes) {
        process.waitFor(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void forgetShutdownHook() {
    if (Thread.currentThread() == shutdownHook) return;
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException shuttingDown) {
      // The JVM is already exiting: the hook is running or about to, and stopping twice is harmless.
    }
  }
}
