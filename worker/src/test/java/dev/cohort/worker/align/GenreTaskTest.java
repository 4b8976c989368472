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
    return new GenreTask.Settings(genres, 10, new GenreTask.PerGenre(12, 4, 3, 4), 0.2, 0.1, seed);
  }

  @Test
  void heldOutDevAndTrainingPassagesComeFromSeparateDocuments() throws IOException {
    Path out = dir.resolve("task");
    GenreTask.Counts counts = GenreTask.write(corpus().toString(), out, settings(3));
    assertEquals(new GenreTask.Counts(24, 8, 6, 8), counts, "2 genres: 12 SFT, 4 DPO passages x 1 other genre, "
        + "3 dev (one document), 4 held-out each");
    Set<String> training = documents(out.resolve(GenreTask.SFT));
    training.addAll(documents(out.resolve(GenreTask.DPO)));
    assertEquals(documents(out.resolve(GenreTask.DEV)), documents(out.resolve(GenreTask.DEV_PAIRS)));
    List<Set<String>> parts = List.of(training, documents(out.resolve(GenreTask.DEV)),
        documents(out.resolve(GenreTask.HELD_OUT)));
    for (int i = 0; i < parts.size(); i++) {
      assertTrue(!parts.get(i).isEmpty());
      for (int j = i + 1; j < parts.size(); j++) {
        Set<String> shared = new HashSet<>(parts.get(i));
        shared.retainAll(parts.get(j));
        assertTrue(shared.isEmpty(), "documents in two splits: " + shared);
      }
    }
    List<Choice> questions = ExampleFile.choices(out.resolve(GenreTask.HELD_OUT));
    assertEquals(4, questions.stream().filter(q -> q.answer().equals("news")).count(), "balanced held-out set");
  }

  @Test
  void preferencePairsUsePassagesSftNeverSawAndRejectEveryOtherGenre() throws IOException {
    Path out = dir.resolve("task");
    GenreTask.write(corpus().toString(), out, settings(5));
    Set<String> sftPrompts = new HashSet<>();
    ExampleFile.conversations(out.resolve(GenreTask.SFT)).forEach(c -> sftPrompts.add(c.get(0).content()));
    Map<String, Set<String>> rejectedByPrompt = new LinkedHashMap<>();
    for (Preference p : ExampleFile.preferences(out.resolve(GenreTask.DPO))) {
      assertTrue(!sftPrompts.contains(p.prompt().get(0).content()), "a DPO passage SFT trained on");
      assertTrue(!p.chosen().equals(p.rejected()));
      rejectedByPrompt.computeIfAbsent(p.prompt().get(0).content(), k -> new HashSet<>()).add(p.rejected());
    }
    assertEquals(4 * 2, rejectedByPrompt.size());
    rejectedByPrompt.values().forEach(r -> assertEquals(1, r.size(), "two genres: one pair per passage"));
  }

  @Test
  void theSameSeedWritesTheSameFilesAndAnotherSeedOthers() throws IOException {
    Path corpus = corpus();
    GenreTask.write(corpus.toString(), dir.resolve("one"), settings(3));
    GenreTask.write(corpus.toString(), dir.resolve("two"), settings(3));
    GenreTask.write(corpus.toString(), dir.resolve("three"), settings(4));
    for (String file : List.of(GenreTask.SFT, GenreTask.DPO, GenreTask.DEV, GenreTask.DEV_PAIRS, GenreTask.HELD_OUT)) {
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
        new GenreTask.Settings(genres, 10, new GenreTask.PerGenre(12, 4, 3, 4), 0.2, 0.1, 1)));
    assertTrue(error.getMessage().contains("genre 'm' has 0 documents; need at least 3"), error.getMessage());
  }

  private static Set<String> documents(Path file) throws IOException {
    Set<String> docs = new HashSet<>();
    Matcher m = DOC.matcher(Files.readString(file));
    while (m.find()) docs.add(m.group(1));
    return docs;
  }
}
