package dev.cohort.worker.align;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One row of a batch: input tokens, the next token at every position, and a loss mask that is 1 exactly where that
 * next token is a response token of the same example.
 */
public record Row(long[] tokens, long[] targets, float[] lossMask) {

  public int length() {
    return tokens.length;
  }

  public int lossTokens() {
    int count = 0;
    for (float m : lossMask) if (m != 0) count++;
    return count;
  }

  /**
   * Lays {@code examples} out in rows of {@code length} positions. With {@code pack}, examples follow each other in
   * a row until the next one does not fit (greedy, in order); without it each example has a row of its own. An
   * example longer than a row is left-truncated. The last position of every example and all padding carry no loss,
   * so no example is trained to predict its neighbour. Attention does cross example boundaries inside a packed row
   * (causally, so an example sees the ones before it): the cheap choice, as in GPT-style pretraining packing, and
   * harmless when the examples are unrelated.
   */
  public static List<Row> layOut(List<Tokenized> examples, int length, boolean pack, int padToken) {
    List<Row> rows = new ArrayList<>();
    Builder row = new Builder(length, padToken);
    for (Tokenized example : examples) {
      Tokenized fitted = example.truncatedTo(length);
      if (!row.isEmpty() && (!pack || !row.fits(fitted))) {
        rows.add(row.build());
        row = new Builder(length, padToken);
      }
      row.add(fitted);
    }
    if (!row.isEmpty()) rows.add(row.build());
    return rows;
  }

  private static final class Builder {
    private final long[] tokens;
    private final long[] targets;
    private final float[] mask;
    private int fill;

    Builder(int length, int padToken) {
      tokens = new long[length];
      targets = new long[length];
      mask = new float[length];
      Arrays.fill(tokens, padToken);
      Arrays.fill(targets, padToken);
    }

    boolean isEmpty() {
      return fill == 0;
    }

    boolean fits(Tokenized example) {
      return fill + example.length() <= tokens.length;
    }

    void add(Tokenized example) {
      int[] t = example.tokens();
      for (int i = 0; i < t.length; i++) {
        tokens[fill + i] = t[i];
        if (i + 1 < t.length) {
          targets[fill + i] = t[i + 1];
          mask[fill + i] = example.response()[i + 1] ? 1 : 0;
        }
      }
      fill += t.length;
    }

    Row build() {
      return new Row(tokens, targets, mask);
    }
  }
}
