package dev.cohort.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CorpusPreparerErrorsTest {
  @TempDir Path dir;

  @Test
  void aMissingInputFileIsNamed() {
    String missing = dir.resolve("nope.jsonl").toString();
    assertEquals("corpus file not found: " + missing, failure(missing).getMessage());
  }

  @Test
  void anInvalidJsonLineIsNamedByFileAndLineNumber() throws IOException {
    Path corpus = corpusWithLine17("{\"text\": \"unterminated}");
    String message = failure(corpus.toString()).getMessage();
    assertTrue(message.startsWith(corpus + " line 17: not valid JSON: "), message);
  }

  @Test
  void trailingGarbageAfterTheObjectIsInvalidJson() throws IOException {
    Path corpus = corpusWithLine17("{\"text\": \"fine\"} and more");
    assertTrue(failure(corpus.toString()).getMessage().startsWith(corpus + " line 17: not valid JSON: "));
  }

  @Test
  void aLineWithoutTheFieldIsNamed() throws IOException {
    Path corpus = corpusWithLine17("{\"body\": \"text under another name\"}");
    assertEquals(corpus + " line 17: field 'text' is missing", failure(corpus.toString()).getMessage());
  }

  @Test
  void aFieldThatIsNotAStringIsNamedWithWhatItIs() throws IOException {
    Path corpus = corpusWithLine17("{\"text\": 42}");
    assertEquals(corpus + " line 17: field 'text' is not a string (found number)",
        failure(corpus.toString()).getMessage());
  }

  @Test
  void aLineThatIsNotAnObjectIsNamed() throws IOException {
    Path corpus = corpusWithLine17("[\"text\"]");
    assertEquals(corpus + " line 17: expected a JSON object, found array", failure(corpus.toString()).getMessage());
  }

  @Test
  void aCorpusWithoutAnyTokensIsRejected() throws IOException {
    Path blank = Corpora.write(dir.resolve("blank.jsonl"), List.of("", "  "));
    assertEquals("corpus " + blank + " is empty: no tokens in field 'text'", failure(blank.toString()).getMessage());
    Path emptyTexts = Corpora.write(dir.resolve("empty-texts.jsonl"), List.of("{\"text\": \"\"}", "{\"text\": \"\"}"));
    assertEquals("corpus " + emptyTexts + " is empty: no tokens in field 'text'",
        failure(emptyTexts.toString()).getMessage());
  }

  @Test
  void aFailedPreparationLeavesThePreviousOneIntactAndNoTemporaryDirectory() throws IOException {
    Path good = Corpora.write(dir.resolve("good.jsonl"), Corpora.lines(Corpora.documents(4)));
    CorpusPreparer.prepare(good.toString(), "text", "gpt2", 0, 1, dir.resolve("out"), false);
    Path bad = corpusWithLine17("not json");
    failure(bad.toString());
    assertEquals(4, PreparedCorpus.open(dir.resolve("out")).index().train().documents());
    try (var entries = Files.list(dir)) {
      assertFalse(entries.anyMatch(p -> p.getFileName().toString().startsWith(".")), "temporary directory left");
    }
  }

  @Test
  void aDirectoryThatIsNotAPreparedCorpusIsNeverReplaced() throws IOException {
    Path precious = Files.createDirectories(dir.resolve("precious"));
    Files.writeString(precious.resolve("notes.txt"), "keep me");
    Path good = Corpora.write(dir.resolve("good.jsonl"), Corpora.lines(Corpora.documents(4)));
    DataError e = assertThrows(DataError.class,
        () -> CorpusPreparer.prepare(good.toString(), "text", "gpt2", 0, 1, precious, false));
    assertEquals("output " + precious + " exists and is not a prepared corpus: refusing to replace it", e.getMessage());
    assertEquals("keep me", Files.readString(precious.resolve("notes.txt")));
  }

  @Test
  void anOutOfRangeValidationFractionIsRejected() throws IOException {
    Path good = Corpora.write(dir.resolve("good.jsonl"), Corpora.lines(Corpora.documents(4)));
    DataError e = assertThrows(DataError.class,
        () -> CorpusPreparer.prepare(good.toString(), "text", "gpt2", 1.0, 1, dir.resolve("out"), false));
    assertEquals("validation fraction must be in [0, 1), got 1.0", e.getMessage());
  }

  /** 16 good lines, then {@code bad} on line 17, then one more good line. */
  private Path corpusWithLine17(String bad) throws IOException {
    List<String> lines = new ArrayList<>(Corpora.lines(Corpora.documents(17)));
    lines.add(16, bad);
    return Corpora.write(dir.resolve("corpus.jsonl"), lines);
  }

  private DataError failure(String input) {
    return assertThrows(DataError.class,
        () -> CorpusPreparer.prepare(input, "text", "gpt2", 0.1, 1, dir.resolve("out"), false));
  }
}
