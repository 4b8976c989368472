package dev.cohort.worker.align;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cohort.data.DataError;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GenreTaskTest {
  /** Every word of the synthetic corpus names its document, so a passage tells where it came from. */
  private static final Pattern DOC = Pattern.compile("(doc\\d+)_w\\d+");
  @TempDir Path dir;

  private Path corpus() throws IOException {
    List<String> lines = new ArrayList<>();
    for (int d = 0; d < 20; d++) {
      StringBuilder text = new StringBuilder();
      for (int w = 0; w < 50; w++) text.append("doc").append(d).append("_w").append(w).append(' ');
      lines.add("{\"id\": \"d" + d + "\", \"category\": \"" + (d % 2 == 0 ? "a" : "d") + "\", \"text\": \""
          + text + "\"}");
    }
    return Files.write(dir.resolve("corpus.jsonl"), lines);
  }

  private static GenreTask.Settings settings(long seed) {
    Map<String, String> genres = new LinkedHashMap<>();
    genres.put("a", "news");
    genres.put("d", "religion");
    return new GenreTask.Settings(genres, 10, 12, 4, 0.2, 5, seed);
  }

  @Test
  void heldOutQuestionsComeFromDocumentsTrainingNeverSaw() throws IOException {
    Path out = dir.resolve("task");
    GenreTask.Counts counts = GenreTask.write(corpus().toString(), out, settings(3));
    assertEquals(new GenreTask.Counts(24, 5, 8), counts);
    Set<String> trainDocs = documents(out.resolve(GenreTask.SFT));
    Set<String> heldOutDocs = documents(out.resolve(GenreTask.HELD_OUT));
    assertTrue(!heldOutDocs.isEmpty() && !trainDocs.isEmpty());
    Set<String> shared = new HashSet<>(trainDocs);
    shared.retainAll(heldOutDocs);
    assertTrue(shared.isEmpty(), "documents in both: " + shared);

    List<Choice> questions = ExampleFile.choices(out.resolve(GenreTask.HELD_OUT));
    assertEquals(4, questions.stream().filter(q -> q.answer().equals("news")).count(), "balanced held-out set");
    for (Preference p : ExampleFile.preferences(out.resolve(GenreTask.DPO))) {
      assertTrue(!p.chosen().equals(p.rejected()) && Set.of("news", "religion").contains(p.rejected()));
    }
  }

  @Test
  void theSameSeedWritesTheSameFilesAndAnotherSeedOthers() throws IOException {
    Path corpus = corpus();
    GenreTask.write(corpus.toString(), dir.resolve("one"), settings(3));
    GenreTask.write(corpus.toString(), dir.resolve("two"), settings(3));
    GenreTask.write(corpus.toString(), dir.resolve("three"), settings(4));
    for (String file : List.of(GenreTask.SFT, GenreTask.DPO, GenreTask.HELD_OUT)) {
      assertEquals(Files.readString(dir.resolve("one").resolve(file)),
          Files.readString(dir.resolve("two").resolve(file)));
    }
    assertTrue(!Files.readString(dir.resolve("one").resolve(GenreTask.SFT))
        .equals(Files.readString(dir.resolve("three").resolve(GenreTask.SFT))));
  }

  @Test
  void aGenreWithTooFewDocumentsIsNamed() throws IOException {
    Map<String, String> genres = Map.of("a", "news", "m", "scifi");
    DataError error = assertThrows(DataError.class, () -> GenreTask.write(corpus().toString(), dir.resolve("x"),
        new GenreTask.Settings(genres, 10, 12, 4, 0.2, 5, 1)));
    assertTrue(error.getMessage().contains("genre 'm' has 0 documents"), error.getMessage());
  }

  private static Set<String> documents(Path file) throws IOException {
    Set<String> docs = new HashSet<>();
    Matcher m = DOC.matcher(Files.readString(file));
    while (m.find()) docs.add(m.group(1));
    return docs;
  }
}
