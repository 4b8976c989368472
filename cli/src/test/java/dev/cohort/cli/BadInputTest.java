package dev.cohort.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Every kind of bad input ends in exit code 2 and one line naming the problem, never a stack trace. */
class BadInputTest {
  @TempDir Path dir;

  private record Outcome(int exitCode, String err) {}

  private static Outcome run(String... args) {
    CommandLine cli = Main.commandLine();
    StringWriter err = new StringWriter();
    cli.setErr(new PrintWriter(err));
    cli.setOut(new PrintWriter(new StringWriter()));
    int code = cli.execute(args);
    return new Outcome(code, err.toString());
  }

  private static void assertRejected(Outcome outcome, String expected) {
    assertEquals(Main.EXIT_BAD_INPUT, outcome.exitCode(), outcome.err());
    assertTrue(outcome.err().startsWith("error: "), outcome.err());
    assertTrue(outcome.err().contains(expected), "expected '" + expected + "' in: " + outcome.err());
    assertEquals(1, outcome.err().strip().lines().count(), "one line: " + outcome.err());
  }

  @Test
  void aMissingExampleFileIsNamed() {
    String examples = dir.resolve("missing.jsonl").toString();
    assertRejected(run("train", "--set", "recipe.objective = sft", "--set", "recipe.examples = \"" + examples + "\"",
        "--set", "run.dir = \"" + dir + "\"", "--set", "run.name = sft"), "example file not found");
  }

  @Test
  void float64OnSeveralWorkersIsRefusedBeforeAnyWorkerStarts() {
    assertRejected(run("train", "--workers", "2", "--set", "train.dtype = float64",
        "--set", "train.grad-accum-steps = 2", "--set", "run.dir = \"" + dir + "\""),
        "distributed workers train in float32");
  }

  @Test
  void aGpuRunWithoutAReachableGpuFailsAtStartNamingWhatIsMissing() {
    assertRejected(run("train", "--set", "train.device = \"gpu:0\"", "--set", "run.dir = \"" + dir + "\""),
        "train.device = gpu:0 but the PyTorch engine");
    assertTrue(Files.notExists(dir.resolve("default")), "no run directory is left behind");
  }

  @Test
  void aGenreTaskWithOneGenreIsRefused() {
    assertRejected(run("task", "--out", dir.toString(), "--genres", "a=news"), "at least two genres");
  }

  @Test
  void aMisspeltSettingIsRejectedByName() {
    assertRejected(run("train", "--set", "train.stpes = 5", "--set", "run.dir=" + dir), "unknown key 'stpes'");
  }

  @Test
  void anInvalidValueNamesItsPathAndRule() {
    assertRejected(run("train", "--set", "train.steps = -1", "--set", "run.dir=" + dir),
        "cohort.train.steps': must be > 0");
  }

  @Test
  void aMissingConfigFileIsNamed() {
    assertRejected(run("train", "--config", dir.resolve("nope.conf").toString()), "config file not found");
  }

  @Test
  void malformedHoconIsRejectedWithItsLocation() throws IOException {
    Path bad = dir.resolve("bad.conf");
    Files.writeString(bad, "cohort { train { steps = [1, }\n");
    assertRejected(run("train", "--config", bad.toString()), "bad.conf");
  }

  @Test
  void resumingARunThatDoesNotExistSaysSo() {
    assertRejected(run("train", "--resume", "--set", "run.dir=" + dir), "no run at");
  }

  @Test
  void evaluatingARunWithoutCheckpointsSaysSo() {
    assertRejected(run("eval", "--run", dir.resolve("missing").toString()), "no run at");
  }

  @Test
  void anEmptyPromptOrAnImpossibleSamplerIsAUsageError() {
    Outcome empty = run("generate", "--run", dir.toString(), "--prompt", "");
    assertEquals(2, empty.exitCode(), empty.err());
    assertTrue(empty.err().contains("--prompt must not be empty"), empty.err());
    Outcome topP = run("generate", "--run", dir.toString(), "--prompt", "x", "--top-p", "0");
    assertTrue(topP.err().contains("top-p must be in (0, 1]"), topP.err());
  }
}
