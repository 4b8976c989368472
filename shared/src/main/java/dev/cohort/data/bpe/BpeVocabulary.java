package dev.cohort.data.bpe;

import java.util.List;

/**
 * A byte-level BPE vocabulary: ids 0..255 are the bytes, then the tokens merges made, then the special tokens.
 *
 * @param tokens every non-special token's bytes, by id
 * @param merges the merges in rank order
 * @param specials special tokens' text; special token i has id {@code tokens.size() + i}
 */
public record BpeVocabulary(List<byte[]> tokens, List<Merge> merges, List<String> specials) {
  /** Ids 0..255 are single bytes. */
  public static final int BYTE_TOKENS = 256;

  public BpeVocabulary {
    tokens = List.copyOf(tokens);
    merges = List.copyOf(merges);
    specials = List.copyOf(specials);
  }

  /** Every id is below this. */
  public int size() {
    return tokens.size() + specials.size();
  }

  public int specialId(String special) {
    int i = specials.indexOf(special);
    if (i < 0) throw new IllegalArgumentException("no special token " + special);
    return tokens.size() + i;
  }
}
