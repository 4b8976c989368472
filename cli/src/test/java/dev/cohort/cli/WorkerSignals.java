package dev.cohort.cli;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

/** Signals to a worker JVM a test started, by its pid: freeze it, let it go on, or kill it for good. */
final class WorkerSignals {
  private static final long WAIT_SECONDS = 10;

  private WorkerSignals() {}

  /** SIGSTOP: the JVM stops at once, every thread, heartbeats included. */
  static void freeze(long pid) {
    signal("STOP", pid);
  }

  /** SIGCONT. */
  static void resume(long pid) {
    signal("CONT", pid);
  }

  /** SIGCONT, then SIGKILL and a bounded wait for the exit: a frozen JVM must not outlive the test. */
  static void thawAndKill(long pid) {
    ProcessHandle.of(pid).ifPresent(process -> {
      signal("CONT", pid);
      process.destroyForcibly();
      process.onExit().orTimeout(WAIT_SECONDS, TimeUnit.SECONDS).join();
    });
  }

  private static void signal(String signal, long pid) {
    try {
      Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start();
      if (!kill.waitFor(WAIT_SECONDS, TimeUnit.SECONDS) || kill.exitValue() != 0) {
        throw new IllegalStateException("kill -" + signal + " " + pid + " failed");
      }
    } catch (IOException | InterruptedException e) {
      throw new IllegalStateException("kill -" + signal + " " + pid, e);
    }
  }
}
