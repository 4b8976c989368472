package dev.cohort.data;

import static dev.cohort.data.Corpora.EOT_TEXT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cohort.config.DataConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CorpusPreparerTest {
  private static final long SEED = 1337;

  @TempDir Path dir;

  @Test
  void withNoValidationTheTrainSplitDecodesToTheDocumentsJoinedWithEndOfText() throws IOException {
    List<String> docs = Corpora.documents(20);
    Path corpus = Corpora.write(dir.resolve("corpus.jsonl"), Corpora.lines(docs));
    PreparedCorpus prepared = prepare(corpus.toString(), "gpt2", 0.0, SEED);

    Tokenizer gpt2 = Tokenizer.named("gpt2");
    String expected = String.join("", docs.stream().map(d -> d + EOT_TEXT).toList());
    assertEquals(expected, gpt2.decode(Corpora.all(prepared.train())));
    assertEquals(0, prepared.validation().size());
    assertEquals(new SplitStats(prepared.train().size(), 20, utf8Bytes(docs)), prepared.index().train());
  }

  @Test
  void splitsPartitionTheDocumentsKeepingCorpusOrderWithinEach() throws IOException {
    List<String> docs = Corpora.documents(40);
    Path corpus = Corpora.write(dir.resolve("corpus.jsonl"), Corpora.lines(docs));
    PreparedCorpus prepared = prepare(corpus.toString(), "gpt2", 0.25, SEED);

    List<String> train = decodedDocuments(prepared.train());
    List<String> validation = decodedDocuments(prepared.validation());
    assertEquals(10, validation.size());
    assertEquals(docs.stream().filter(d -> !validation.contains(d)).toList(), train);
    assertEquals(docs.stream().filter(validation::contains).toList(), validation);
    assertEquals(new SplitStats(prepared.validation().size(), 10, utf8Bytes(validation)), prepared.index().validation());
  }

  @Test
  void gpt2TokensAreStoredAsUint16AndCl100kAsInt32() throws IOException {
    Path corpus = Corpora.write(dir.resolve("corpus.jsonl"), Corpora.lines(Corpora.documents(5)));
    PreparedCorpus gpt2 = CorpusPreparer.prepare(corpus.toString(), "text", "gpt2", 0, SEED, dir.resolve("g"), false);
    PreparedCorpus cl100k =
        CorpusPreparer.prepare(corpus.toString(), "text", "cl100k", 0, SEED, dir.resolve("c"), false);

    assertEquals("uint16", gpt2.index().dtype());
    assertEquals(gpt2.train().size() * 2, Files.size(dir.resolve("g/train.bin")));
    assertEquals("int32", cl100k.index().dtype());
    assertEquals(cl100k.train().size() * 4, Files.size(dir.resolve("c/train.bin")));
    assertEquals(100_277, cl100k.vocabSize());
    int[] tokens = Corpora.all(cl100k.train());
    assertEquals(100_257, tokens[tokens.length - 1]);
    assertEquals(Corpora.documents(5).get(0) + EOT_TEXT,
        Tokenizer.named("cl100k").decode(Arrays.copyOf(tokens, indexOf(tokens, 100_257) + 1)));
  }

  @Test
  void theSplitIsReproducibleForASeedAndChangesWithAnother() throws IOException {
    Path corpus = Corpora.write(dir.resolve("corpus.jsonl"), Corpora.lines(Corpora.documents(100)));
    Set<String> first = new HashSet<>(decodedDocuments(prepare(corpus.toString(), "gpt2", 0.1, 7).validation()));
    Set<String> again = new HashSet<>(decodedDocuments(prepare(corpus.toString(), "gpt2", 0.1, 7).validation()));
    Set<String> other = new HashSet<>(decodedDocuments(prepare(corpus.toString(), "gpt2", 0.1, 8).validation()));
    assertEquals(10, first.size());
    assertEquals(first, again);
    assertNotEquals(first, other);
  }

  @Test
  void aSmallFractionStillHoldsOutOneDocumentButNeverAll() throws IOException {
    Path two = Corpora.write(dir.resolve("two.jsonl"), Corpora.lines(Corpora.documents(2)));
    assertEquals(1, prepare(two.toString(), "gpt2", 0.001, SEED).index().validation().documents());
    assertEquals(1, prepare(two.toString(), "gpt2", 0.99, SEED).index().train().documents());
    Path one = Corpora.write(dir.resolve("one.jsonl"), Corpora.lines(Corpora.documents(1)));
    assertEquals(0, prepare(one.toString(), "gpt2", 0.5, SEED).index().validation().documents());
  }

  @Test
  void gzipIsReadWhetherNamedGzOrOnlyRecognisedByItsMagicBytes() throws IOException {
    List<String> lines = Corpora.lines(Corpora.documents(6));
    long plain = prepare(Corpora.write(dir.resolve("a.jsonl"), lines).toString(), "gpt2", 0, SEED).train().size();
    Path named = Corpora.writeGzip(dir.resolve("b.jsonl.gz"), lines);
    Path disguised = Corpora.writeGzip(dir.resolve("c.jsonl"), lines);
    assertEquals(plain, prepare(named.toString(), "gpt2", 0, SEED).train().size());
    assertEquals(plain, prepare(disguised.toString(), "gpt2", 0, SEED).train().size());
  }

  @Test
  void blankLinesAreSkipped() throws IOException {
    List<String> lines = new ArrayList<>(Corpora.lines(Corpora.documents(3)));
    lines.add(1, "");
    lines.add(3, "   \t");
    lines.add("");
    Path corpus = Corpora.write(dir.resolve("corpus.jsonl"), lines);
    PreparedCorpus prepared = prepare(corpus.toString(), "gpt2", 0, SEED);
    assertEquals(Corpora.documents(3), decodedDocuments(prepared.train()));
  }

  @Test
  void theIndexRecordsHowTheCorpusWasMade() throws IOException {
    Path corpus = Corpora.write(dir.resolve("corpus.jsonl"), Corpora.lines(Corpora.documents(10)));
    CorpusIndex index = prepare(corpus.toString(), "gpt2", 0.2, 99).index();
    assertEquals(new CorpusIndex(CorpusIndex.FORMAT_VERSION, "gpt2", "gpt2", 50_257, 50_256, "uint16", index.train(),
        index.validation(), corpus.toString(), "text", 99, 0.2), index);
    assertEquals(10, index.train().documents() + index.validation().documents());
  }

  @Test
  void aPreviousPreparationIsReplacedAndNoTemporaryDirectoryIsLeft() throws IOException {
    Path small = Corpora.write(dir.resolve("small.jsonl"), Corpora.lines(Corpora.documents(2)));
    Path big = Corpora.write(dir.resolve("big.jsonl"), Corpora.lines(Corpora.documents(30)));
    prepare(small.toString(), "gpt2", 0, SEED);
    PreparedCorpus replaced = prepare(big.toString(), "gpt2", 0, SEED);
    assertEquals(30, replaced.index().train().documents());
    assertEquals(30, PreparedCorpus.open(dir.resolve("out")).index().train().documents());
    try (var entries = Files.list(dir)) {
      assertEquals(Set.of("small.jsonl", "big.jsonl", "out"),
          entries.map(p -> p.getFileName().toString()).collect(Collectors.toSet()));
    }
  }

  @Test
  void openOrPrepareReusesAMatchingPreparationAndRedoesAChangedOrBrokenOne() throws IOException {
    Path corpus = Corpora.write(dir.resolve("corpus.jsonl"), Corpora.lines(Corpora.documents(10)));
    DataConfig data = new DataConfig(corpus.toString(), dir.resolve("out").toString(), "text", "gpt2", 0.2, 16);
    PreparedCorpus first = CorpusPreparer.openOrPrepare(data, SEED, false);
    Files.setLastModifiedTime(dir.resolve("out/index.json"), FileTime.fromMillis(0));

    CorpusPreparer.openOrPrepare(data, SEED, false);
    assertEquals(FileTime.fromMillis(0), Files.getLastModifiedTime(dir.resolve("out/index.json")), "reused");

    DataConfig cl100k = new DataConfig(data.corpus(), data.prepared(), "text", "cl100k", 0.2, 16);
    PreparedCorpus redone = CorpusPreparer.openOrPrepare(cl100k, SEED, false);
    assertEquals("cl100k", redone.tokenizer().name());
    assertEquals("gpt2", first.tokenizer().name());

    Files.delete(dir.resolve("out/val.bin"));
    assertEquals("cl100k", CorpusPreparer.openOrPrepare(cl100k, SEED, false).tokenizer().name(), "incomplete: redone");
  }

  @Test
  void theBundledBrownCorpusPreparesInSecondsToAboutAMillionTokens() {
    long start = System.nanoTime();
    PreparedCorpus brown = CorpusPreparer.prepare("bundled", "text", "gpt2", 0.05, SEED, dir.resolve("brown"), false);
    double seconds = (System.nanoTime() - start) / 1e9;
    long tokens = brown.train().size() + brown.validation().size();
    System.out.printf("bundled Brown corpus: %d train + %d validation tokens (%d + %d documents) in %.2f s%n",
        brown.train().size(), brown.validation().size(), brown.index().train().documents(),
        brown.index().validation().documents(), seconds);
    assertEquals(475, brown.index().train().documents());
    assertEquals(25, brown.index().validation().documents());
    assertTrue(tokens > 1_100_000 && tokens < 1_400_000, "tokens: " + tokens);
    assertTrue(seconds < 30, "took " + seconds + " s");
  }

  private PreparedCorpus prepare(String input, String tokenizer, double fraction, long seed) {
    return CorpusPreparer.prepare(input, "text", tokenizer, fraction, seed, dir.resolve("out"), false);
  }

  private static List<String> decodedDocuments(TokenFile split) {
    return Corpora.splitDecoded(Tokenizer.named("gpt2").decode(Corpora.all(split)));
  }

  private static int indexOf(int[] tokens, int token) {
    for (int i = 0; i < tokens.length; i++) if (tokens[i] == token) return i;
    return -1;
  }

  private static long utf8Bytes(List<String> documents) {
    return documents.stream().mapToLong(d -> d.getBytes(StandardCharsets.UTF_8).length).sum();
  }
}
