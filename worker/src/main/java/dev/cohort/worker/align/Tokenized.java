package dev.cohort.worker.align;

import java.util.Arrays;

/**
 * A conversation as tokens, with which of them the model is trained to produce.
 *
 * @param tokens the rendered conversation's token ids
 * @param response response[i] is true when tokens[i] belongs to an assistant turn (its text or its end-of-text)
 */
public record Tokenized(int[] tokens, boolean[] response) {
  public Tokenized {
    if (tokens.length != response.length) {
      throw new IllegalArgumentException(tokens.length + " tokens but " + response.length + " response flags");
    }
  }

  public int length() {
    return tokens.length;
  }

  public int responseTokens() {
    int count = 0;
    for (boolean r : response) if (r) count++;
    return count;
  }

  /** Two pieces one after the other (a prompt, then a candidate answer). */
  public Tokenized followedBy(Tokenized next) {
    int[] t = Arrays.copyOf(tokens, tokens.length + next.tokens.length);
    System.arraycopy(next.tokens, 0, t, tokens.length, next.tokens.length);
    boolean[] r = Arrays.copyOf(response, response.length + next.response.length);
    System.arraycopy(next.response, 0, r, response.length, next.response.length);
    return new Tokenized(t, r);
  }

  /**
   * At most {@code max} tokens, dropping the oldest (the start of the prompt) as Hugging Face's left truncation
   * does: the response, which carries the loss, is kept whole whenever it fits.
   */
  public Tokenized truncatedTo(int max) {
    if (tokens.length <= max) return this;
    int from = tokens.length - max;
    return new Tokenized(Arrays.copyOfRange(tokens, from, tokens.length),
        Arrays.copyOfRange(response, from, response.length));
  }
}
