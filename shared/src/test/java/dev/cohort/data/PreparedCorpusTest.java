package dev.cohort.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PreparedCorpusTest {
  @TempDir Path dir;

  @Test
  void aMissingDirectoryTellsHowToPrepareIt() {
    Path out = dir.resolve("nothing-here");
    DataError e = assertThrows(DataError.class, () -> PreparedCorpus.open(out));
    assertEquals("no prepared corpus at " + out + " (no index.json): run ./cohort prepare --input "
        + "<corpus.jsonl[.gz]|bundled> --output " + out, e.getMessage());
  }

  @Test
  void aMissingOrTruncatedSplitIsReportedAsIncomplete() throws IOException {
    Path out = prepared();
    Files.write(out.resolve("val.bin"), new byte[0]);
    DataError truncated = assertThrows(DataError.class, () -> PreparedCorpus.open(out));
    String expected = "no prepared corpus at " + out + " (val.bin holds 0 tokens but the index says ";
    assertTrue(truncated.getMessage().startsWith(expected), truncated.getMessage());
    Files.delete(out.resolve("train.bin"));
    DataError missing = assertThrows(DataError.class, () -> PreparedCorpus.open(out));
    String noTrain = "no prepared corpus at " + out + " (no train.bin)";
    assertTrue(missing.getMessage().startsWith(noTrain), missing.getMessage());
  }

  @Test
  void anIndexFromAnotherFormatVersionIsRejected() throws IOException {
    Path out = prepared();
    Path index = out.resolve("index.json");
    Files.writeString(index,
        Files.readString(index).replace("\"formatVersion\" : " + CorpusIndex.FORMAT_VERSION, "\"formatVersion\" : 99"));
    DataError e = assertThrows(DataError.class, () -> PreparedCorpus.open(out));
    assertEquals("prepared corpus at " + out + " has format version 99, this build reads " + CorpusIndex.FORMAT_VERSION
        + ": prepare it again", e.getMessage());
  }

  @Test
  void openingGivesTheTokenizerAndBothSplits() throws IOException {
    PreparedCorpus corpus = PreparedCorpus.open(prepared());
    assertEquals("gpt2", corpus.tokenizer().name());
    assertEquals(50_257, corpus.vocabSize());
    assertEquals(corpus.index().train().tokens(), corpus.train().size());
    assertEquals(corpus.index().validation().tokens(), corpus.validation().size());
    assertTrue(corpus.validation().size() > 0);
  }

  private Path prepared() throws IOException {
    Path corpus = Corpora.write(dir.resolve("corpus.jsonl"), Corpora.lines(Corpora.documents(10)));
    Path out = dir.resolve("out");
    CorpusPreparer.prepare(corpus.toString(), "text", "gpt2", 0.2, 5, out, false);
    return out;
  }
}
