package dev.cohort.data.bpe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BpeTrainerTest {
  private static int id(char c) {
    return c;
  }

  private static String text(BpeVocabulary v, int id) {
    return new String(v.tokens().get(id), StandardCharsets.UTF_8);
  }

  @Test
  void theMostFrequentPairIsMergedFirstCountingEachWordsFrequency() {
    // Hugging Face's course example: u g occurs 10 + 5 + 5 = 20 times, u n 12 + 4 = 16, h ug 10 + 5 = 15.
    Map<String, Long> words = Map.of("hug", 10L, "pug", 5L, "pun", 12L, "bun", 4L, "hugs", 5L);
    BpeVocabulary v = BpeTrainer.train(words, 256 + 3 + 1, List.of("<|endoftext|>"), false);
    assertEquals(List.of("ug", "un", "hug"), v.merges().stream().map(m -> text(v, m.result())).toList());
    assertEquals(new Merge(id('u'), id('g'), 256), v.merges().get(0));
    assertEquals(256 + 3, v.specialId("<|endoftext|>"));
    assertEquals(260, v.size());
  }

  @Test
  void aTieGoesToThePairOfSmallerIds() {
    BpeVocabulary v = BpeTrainer.train(Map.of("cd", 3L, "ab", 3L, "ce", 3L), 256 + 2, List.of(), false);
    assertEquals(List.of("ab", "cd"), v.merges().stream().map(m -> text(v, m.result())).toList());
  }

  @Test
  void trainingStopsWhenNoPairIsLeft() {
    BpeVocabulary v = BpeTrainer.train(Map.of("abc", 1L), 1000, List.of(), false);
    assertEquals(List.of("ab", "abc"), v.merges().stream().map(m -> text(v, m.result())).toList());
    assertEquals(258, v.size());
  }

  @Test
  void aRepeatedSymbolMergesLeftToRightWithoutOverlap() {
    assertArrayEquals(new int[] {9, 9, 1}, BpeTrainer.merged(new int[] {1, 1, 1, 1, 1}, 1, 1, 9));
  }

  @Test
  void aVocabularyTooSmallForTheBytesAndSpecialsIsRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> BpeTrainer.train(Map.of("a", 1L), 256, List.of("<|endoftext|>"), false));
    assertEquals("vocabulary size 256 is below the 256 bytes and 1 special tokens (257)", e.getMessage());
  }
}
