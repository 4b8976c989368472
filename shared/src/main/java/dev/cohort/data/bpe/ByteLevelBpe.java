package dev.cohort.data.bpe;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Cohort's own encoder of a {@link BpeVocabulary}, the reference the written tokenizer.json is tested against: special
 * tokens are cut out of the text first (leftmost, longest first), the rest is pre-tokenized ({@link PreTokenizer}) and
 * each piece's UTF-8 bytes merged, always the adjacent pair of lowest rank next (leftmost on a tie), until no merge
 * applies. Thread-safe.
 */
public final class ByteLevelBpe {
  private final BpeVocabulary vocabulary;
  /** (left, right) to the merge's rank. */
  private final Map<Long, Integer> rank = new HashMap<>();
  /** Pieces already encoded: words repeat, so most pieces are found here. */
  private final Map<String, int[]> cache = new ConcurrentHashMap<>();

  public ByteLevelBpe(BpeVocabulary vocabulary) {
    this.vocabulary = vocabulary;
    List<Merge> merges = vocabulary.merges();
    for (int r = 0; r < merges.size(); r++) {
      rank.putIfAbsent(Merge.pair(merges.get(r).left(), merges.get(r).right()), r);
    }
  }

  public int[] encode(String text) {
    List<Integer> ids = new ArrayList<>();
    int from = 0;
    while (from < text.length()) {
      int at = text.length();
      String special = null;
      for (String s : vocabulary.specials()) {
        int i = text.indexOf(s, from);
        if (i >= 0 && (i < at || (i == at && s.length() > special.length()))) {
          at = i;
          special = s;
        }
      }
      for (String piece : PreTokenizer.split(text.substring(from, at))) {
        for (int id : cache.computeIfAbsent(piece, this::encodePiece)) ids.add(id);
      }
      if (special == null) break;
      ids.add(vocabulary.specialId(special));
      from = at + special.length();
    }
    return ids.stream().mapToInt(Integer::intValue).toArray();
  }

  private int[] encodePiece(String piece) {
    byte[] bytes = piece.getBytes(StandardCharsets.UTF_8);
    int[] symbols = new int[bytes.length];
    for (int i = 0; i < bytes.length; i++) symbols[i] = bytes[i] & 0xff;
    while (symbols.length > 1) {
      int best = -1;
      int bestRank = Integer.MAX_VALUE;
      for (int i = 0; i + 1 < symbols.length; i++) {
        Integer r = rank.get(Merge.pair(symbols[i], symbols[i + 1]));
        if (r != null && r < bestRank) {
          bestRank = r;
          best = i;
        }
      }
      if (best < 0) break;
      Merge m = vocabulary.merges().get(bestRank);
      symbols = BpeTrainer.merged(symbols, m.left(), m.right(), m.result());
    }
    return symbols;
  }

  /**
   * The exact bytes the ids stand for, special tokens as their UTF-8 text. Byte-level BPE covers every byte, so this
   * returns what was encoded byte for byte, and a slice of ids that cuts a character gives its bytes as they are
   * (not valid UTF-8 on their own; a String decoder would put U+FFFD there).
   */
  public byte[] decodeBytes(int[] ids) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    List<byte[]> tokens = vocabulary.tokens();
    for (int id : ids) {
      byte[] bytes = id < tokens.size() ? tokens.get(id)
          : vocabulary.specials().get(id - tokens.size()).getBytes(StandardCharsets.UTF_8);
      out.writeBytes(bytes);
    }
    return out.toByteArray();
  }
}
