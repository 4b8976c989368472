package dev.cohort.data.bpe;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * GPT-2's pre-tokenization, as the {@code tokenizers} library's ByteLevel pre-tokenizer ({@code use_regex: true})
 * applies it: contractions, letters with an optional leading space, digits likewise, other symbols likewise, then
 * whitespace runs (a run before a word keeps its last space for the word). BPE merges never cross these pieces.
 * Unicode classes as the Rust library's Oniguruma regex has them: \s is White_Space, \p{L} and \p{N} by category.
 */
final class PreTokenizer {
  private static final Pattern GPT2 = Pattern.compile(
      "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
      Pattern.UNICODE_CHARACTER_CLASS);

  private PreTokenizer() {}

  /** The pieces of {@code text}, in order; they concatenate back to it. */
  static List<String> split(String text) {
    List<String> pieces = new ArrayList<>();
    Matcher m = GPT2.matcher(text);
    while (m.find()) pieces.add(m.group());
    return pieces;
  }
}
