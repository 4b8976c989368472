package dev.cohort.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cohort.data.DataError;
import dev.cohort.data.PreparedCorpus;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class PrepareCommandTest {
  private static final int DATA_ERROR_EXIT = 2;

  @TempDir Path dir;

  @Test
  void preparesACorpusAndPrintsAOneLineJsonSummary() throws IOException {
    Path corpus = Files.write(dir.resolve("corpus.jsonl"), List.of(
        "{\"body\": \"The first document.\"}", "{\"body\": \"The second one.\"}", "{\"body\": \"A third.\"}"));
    Path out = dir.resolve("prepared");
    StringWriter stdout = new StringWriter();
    int exit = command(stdout).execute("--input", corpus.toString(), "--output", out.toString(),
        "--field", "body", "--tokenizer", "cl100k", "--validation-fraction", "0.3", "--seed", "9", "--no-progress");

    assertEquals(0, exit);
    String printed = stdout.toString();
    assertEquals(1, printed.strip().lines().count(), printed);
    JsonNode summary = new ObjectMapper().readTree(printed);
    assertEquals("cl100k", summary.get("tokenizer").asText());
    assertEquals("int32", summary.get("dtype").asText());
    assertEquals(2, summary.get("trainDocuments").asLong());
    assertEquals(1, summary.get("validationDocuments").asLong());
    PreparedCorpus prepared = PreparedCorpus.open(out);
    assertEquals(prepared.train().size(), summary.get("trainTokens").asLong());
    assertEquals(9, prepared.index().seed());
    assertEquals("body", prepared.index().field());
  }

  @Test
  void defaultsAreTheDefaultRunsTokenizerFieldTextAndFivePercentValidation() {
    PrepareCommand prepare = new PrepareCommand();
    new CommandLine(prepare).parseArgs("--input", "bundled", "--output", "x");
    assertEquals("brown-8k", prepare.tokenizer);
    assertEquals("text", prepare.field);
    assertEquals(0.05, prepare.validationFraction);
    assertEquals(1337, prepare.seed);
    assertEquals(false, prepare.noProgress);
  }

  @Test
  void badInputReachesTheExecutionExceptionHandlerAsADataError() {
    // picocli's execute never throws: Main's handler sees the exception, as this one does.
    List<Exception> handled = new ArrayList<>();
    CommandLine cli = command(new StringWriter());
    cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
      handled.add(e);
      return DATA_ERROR_EXIT;
    });
    String missing = dir.resolve("missing.jsonl").toString();
    int exit = cli.execute("--input", missing, "--output", dir.resolve("o").toString(), "--no-progress");
    assertEquals(DATA_ERROR_EXIT, exit);
    assertEquals(1, handled.size());
    assertInstanceOf(DataError.class, handled.get(0));
    assertEquals("corpus file not found: " + missing, handled.get(0).getMessage());
  }

  @Test
  void missingRequiredOptionsAreAUsageError() {
    StringWriter stderr = new StringWriter();
    CommandLine cli = command(new StringWriter());
    cli.setErr(new PrintWriter(stderr));
    assertEquals(CommandLine.ExitCode.USAGE, cli.execute("--input", "bundled"));
    assertTrue(stderr.toString().contains("Missing required option: '--output=DIR'"), stderr.toString());
  }

  private static CommandLine command(StringWriter stdout) {
    return new CommandLine(new PrepareCommand()).setOut(new PrintWriter(stdout));
  }
}
