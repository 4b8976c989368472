package dev.cohort.data.bpe;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.TreeMap;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;

/**
 * Learns byte-level BPE merges from word frequencies, as GPT-2's and Hugging Face's trainers do: start from the 256
 * bytes, repeatedly merge the most frequent adjacent pair of tokens (summed over words, weighted by each word's
 * count), until the vocabulary, special tokens included, has the requested size or no pair is left.
 *
 * <p>Ties go to the pair of smaller ids (left first, then right), so the result is a pure function of the word
 * counts. Each merge touches only the words that hold its pair: pair counts live in a map updated by each merged
 * word's change, the next pair comes from a priority queue (entries whose count has since changed are skipped when
 * popped), and every pair keeps the set of words it occurs in. Merging two tokens whose bytes already form a token
 * reuses that token's id, as the {@code tokenizers} library does.
 */
public final class BpeTrainer {
  private final int[][] words;
  private final long[] counts;
  private final List<byte[]> tokens = new ArrayList<>();
  private final Map<String, Integer> idOf = new HashMap<>();
  private final Map<Long, Long> pairCounts = new HashMap<>();
  private final Map<Long, Set<Integer>> wordsWith = new HashMap<>();
  private final PriorityQueue<Candidate> queue = new PriorityQueue<>();

  /** A pair and its count when it was queued: most frequent first, then smallest (left, right). */
  private record Candidate(long count, long pair) implements Comparable<Candidate> {
    @Override
    public int compareTo(Candidate o) {
      return count != o.count ? Long.compare(o.count, count) : Long.compare(pair, o.pair);
    }
  }

  private BpeTrainer(Map<String, Long> wordCounts) {
    for (int b = 0; b < BpeVocabulary.BYTE_TOKENS; b++) addToken(new byte[] {(byte) b});
    // Sorted, so word numbers (and thus every set and map below) do not depend on the caller's map order.
    TreeMap<String, Long> sorted = new TreeMap<>(wordCounts);
    words = new int[sorted.size()][];
    counts = new long[sorted.size()];
    int w = 0;
    for (Map.Entry<String, Long> e : sorted.entrySet()) {
      byte[] bytes = e.getKey().getBytes(StandardCharsets.UTF_8);
      words[w] = new int[bytes.length];
      for (int i = 0; i < bytes.length; i++) words[w][i] = bytes[i] & 0xff;
      counts[w] = e.getValue();
      w++;
    }
  }

  /**
   * @param wordCounts pre-tokenized pieces ({@link WordCounts}) and how often each occurs
   * @param vocabSize the vocabulary's size, bytes and special tokens included
   * @param specials special tokens, given the last ids
   */
  public static BpeVocabulary train(Map<String, Long> wordCounts, int vocabSize, List<String> specials,
      boolean showProgress) {
    int minimum = BpeVocabulary.BYTE_TOKENS + specials.size();
    if (vocabSize < minimum) {
      throw new IllegalArgumentException("vocabulary size " + vocabSize + " is below the " + BpeVocabulary.BYTE_TOKENS
          + " bytes and " + specials.size() + " special tokens (" + minimum + ")");
    }
    return new BpeTrainer(wordCounts).run(vocabSize - specials.size(), specials, showProgress);
  }

  private BpeVocabulary run(int targetTokens, List<String> specials, boolean showProgress) {
    countAllPairs();
    List<Merge> merges = new ArrayList<>();
    try (ProgressBar bar = showProgress ? new ProgressBarBuilder().setTaskName("merges")
        .setInitialMax(targetTokens - tokens.size()).build() : null) {
      while (tokens.size() < targetTokens) {
        Candidate best = queue.poll();
        if (best == null) break;
        if (best.count() != pairCounts.getOrDefault(best.pair(), 0L)) continue;
        int left = (int) (best.pair() >>> Integer.SIZE);
        int right = (int) best.pair();
        int before = tokens.size();
        byte[] bytes = concat(tokens.get(left), tokens.get(right));
        Integer known = idOf.get(ByteAlphabet.key(bytes));
        int result = known != null ? known : addToken(bytes);
        merges.add(new Merge(left, right, result));
        apply(best.pair(), left, right, result);
        if (bar != null) bar.stepBy(tokens.size() - before);
      }
    }
    return new BpeVocabulary(tokens, merges, specials);
  }

  private int addToken(byte[] bytes) {
    tokens.add(bytes);
    idOf.put(ByteAlphabet.key(bytes), tokens.size() - 1);
    return tokens.size() - 1;
  }

  private void countAllPairs() {
    for (int w = 0; w < words.length; w++) {
      int[] word = words[w];
      for (int i = 0; i + 1 < word.length; i++) {
        long pair = Merge.pair(word[i], word[i + 1]);
        pairCounts.merge(pair, counts[w], Long::sum);
        wordsWith.computeIfAbsent(pair, k -> new HashSet<>()).add(w);
      }
    }
    pairCounts.forEach((pair, count) -> queue.add(new Candidate(count, pair)));
  }

  /** Merges every occurrence of the pair in the words that hold it and updates the pair counts by the change. */
  private void apply(long pair, int left, int right, int result) {
    Map<Long, Long> change = new HashMap<>();
    Set<Integer> holders = wordsWith.remove(pair);
    for (int w : holders) {
      int[] old = words[w];
      int[] merged = merged(old, left, right, result);
      if (merged.length == old.length) continue; // the set is not pruned when a word loses a pair
      for (int i = 0; i + 1 < old.length; i++) change.merge(Merge.pair(old[i], old[i + 1]), -counts[w], Long::sum);
      for (int i = 0; i + 1 < merged.length; i++) {
        long p = Merge.pair(merged[i], merged[i + 1]);
        change.merge(p, counts[w], Long::sum);
        wordsWith.computeIfAbsent(p, k -> new HashSet<>()).add(w);
      }
      words[w] = merged;
    }
    change.forEach((p, delta) -> {
      if (delta == 0) return;
      long now = pairCounts.merge(p, delta, Long::sum);
      if (now == 0) pairCounts.remove(p);
      else queue.add(new Candidate(now, p));
    });
  }

  /** {@code word} with each (left, right), taken left to right without overlap, replaced by {@code result}. */
  static int[] merged(int[] word, int left, int right, int result) {
    int[] out = new int[word.length];
    int n = 0;
    for (int i = 0; i < word.length; i++) {
      if (i + 1 < word.length && word[i] == left && word[i + 1] == right) {
        out[n++] = result;
        i++;
      } else {
        out[n++] = word[i];
      }
    }
    return n == word.length ? word : Arrays.copyOf(out, n);
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = new byte[a.length + b.length];
    System.arraycopy(a, 0, out, 0, a.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
