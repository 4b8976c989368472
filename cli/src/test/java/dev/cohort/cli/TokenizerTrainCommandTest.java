package dev.cohort.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cohort.data.PreparedCorpus;
import dev.cohort.data.Tokenizer;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenizerTrainCommandTest {
  @TempDir Path dir;

  @Test
  void aTrainedTokenizerIsWrittenForHuggingFaceAndPreparesACorpus() throws IOException {
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < 40; i++) lines.add("{\"text\": \"the cat sat on the mat, number " + i + ".\"}");
    Path corpus = Files.write(dir.resolve("corpus.jsonl"), lines);
    Path tok = dir.resolve("tok");
    StringWriter stdout = new StringWriter();
    int exit = Main.commandLine().setOut(new PrintWriter(stdout)).execute("tokenizer", "train", "--input",
        corpus.toString(), "--vocab", "300", "--output", tok.toString(), "--no-progress");
    assertEquals(0, exit);
    JsonNode summary = new ObjectMapper().readTree(stdout.toString());
    assertEquals(300, summary.get("vocab").asInt());
    for (String file : List.of("tokenizer.json", "vocab.json", "merges.txt", "tokenizer_config.json")) {
      assertTrue(Files.isRegularFile(tok.resolve(file)), file);
    }

    Tokenizer trained = Tokenizer.load(tok.toString());
    assertEquals(300, trained.vocabSize());
    assertEquals(300 - 5, trained.endOfText(), "end-of-text is the first of the five default special tokens");
    int exitPrepare = Main.commandLine().setOut(new PrintWriter(new StringWriter())).execute("prepare", "--input",
        corpus.toString(), "--output", dir.resolve("prepared").toString(), "--tokenizer", tok.toString(),
        "--no-progress");
    assertEquals(0, exitPrepare);
    PreparedCorpus prepared = PreparedCorpus.open(dir.resolve("prepared"));
    assertEquals(trained.fingerprint(), prepared.index().tokenizerFingerprint());
    assertEquals("uint16", prepared.index().dtype());
  }
}
