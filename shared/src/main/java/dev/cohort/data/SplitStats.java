package dev.cohort.data;

/**
 * Size of one split of a prepared corpus.
 *
 * @param tokens tokens in the split, end-of-text (and bos) markers included
 * @param documents documents in the split
 * @param textBytes UTF-8 bytes of the documents' text
 */
public record SplitStats(long tokens, long documents, long textBytes) {
  /**
   * A mean loss per token (nats) as bits per byte of text, which compares models across tokenizers: the loss
   * times the split's tokens per byte, over ln 2. Markers count as tokens carrying no bytes, so a model is charged
   * for predicting them, as a byte-level model would be for predicting a separator.
   */
  public double bitsPerByte(double lossNats) {
    return lossNats * tokens / (textBytes * Math.log(2));
  }
}
