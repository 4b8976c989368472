package dev.cohort.data.bpe;

import dev.cohort.data.Documents;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * How often each pre-tokenized piece occurs in a corpus: what BPE training needs, read in one pass. Documents are
 * split on every core a batch at a time; the counts do not depend on the order they are added in.
 */
public final class WordCounts {
  /** Characters of text pre-tokenized per parallel batch. */
  private static final int BATCH_CHARS = 4 << 20;

  private final Map<String, Long> counts = new HashMap<>();
  private final List<String> batch = new ArrayList<>();
  private long batchChars;

  private WordCounts() {}

  /** The pieces of every document of {@code input} (a JSON-lines file or "bundled"), field {@code field}. */
  public static WordCounts of(String input, String field, boolean showProgress) throws IOException {
    WordCounts words = new WordCounts();
    Documents.forEach(input, field, "count words in", showProgress, words::add);
    words.flush();
    return words;
  }

  /** The pieces of {@code documents}. */
  public static WordCounts of(List<String> documents) {
    WordCounts words = new WordCounts();
    documents.forEach(words::add);
    words.flush();
    return words;
  }

  private void add(String document) {
    batch.add(document);
    batchChars += document.length();
    if (batchChars >= BATCH_CHARS) flush();
  }

  private void flush() {
    Map<String, Long> counted = batch.parallelStream()
        .collect(HashMap::new, WordCounts::countInto, (a, b) -> b.forEach((k, v) -> a.merge(k, v, Long::sum)));
    counted.forEach((k, v) -> counts.merge(k, v, Long::sum));
    batch.clear();
    batchChars = 0;
  }

  private static void countInto(Map<String, Long> into, String document) {
    for (String piece : PreTokenizer.split(document)) into.merge(piece, 1L, Long::sum);
  }

  /** Each piece and its number of occurrences. */
  public Map<String, Long> counts() {
    return counts;
  }
}
