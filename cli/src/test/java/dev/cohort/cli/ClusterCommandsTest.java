package dev.cohort.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Bad command lines of the node commands fail before any node starts, saying what is wrong. */
class ClusterCommandsTest {
  private static final int USAGE_ERROR = 2;

  private final StringWriter err = new StringWriter();

  private CommandLine command(Object command) {
    return new CommandLine(command).setErr(new PrintWriter(err, true)).setOut(new PrintWriter(new StringWriter()));
  }

  @Test
  void aWorkerWithoutAPortToJoinIsAUsageError() {
    int exit = command(new WorkerCommand()).execute("--join", "127.0.0.1");

    assertEquals(USAGE_ERROR, exit);
    assertTrue(err.toString().contains("--join: expected HOST:PORT, got '127.0.0.1'"), err.toString());
  }

  @Test
  void aWorkerMustBeToldWhomToJoin() {
    int exit = command(new WorkerCommand()).execute("--port", "0");

    assertEquals(USAGE_ERROR, exit);
    assertTrue(err.toString().contains("--join"), err.toString());
  }

  @Test
  void aCoordinatorWithAnImpossiblePortNamesTheSetting() {
    int exit = command(new CoordinatorCommand()).execute("--port", "70000");

    assertNotEquals(0, exit);
    assertTrue(err.toString().contains("cohort.cluster.coordinator-port"), err.toString());
  }
}
