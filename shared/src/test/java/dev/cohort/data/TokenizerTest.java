package dev.cohort.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class TokenizerTest {
  private static final String EOT_TEXT = "<|endoftext|>";

  @Test
  void gpt2IsR50kWithItsVocabularyAndEndOfText() {
    Tokenizer gpt2 = Tokenizer.named("gpt2");
    assertEquals("gpt2", gpt2.name());
    assertEquals(50_257, gpt2.vocabSize());
    assertEquals(50_256, gpt2.endOfText());
    assertArrayEquals(new int[] {15496, 11, 995, 0}, gpt2.encode("Hello, world!"));
  }

  @Test
  void everyKnownTokenizerRoundTripsTextAndDecodesItsEndOfText() {
    String text = "Naïve café, 東京 and the year 1961.\nNew line.";
    for (String name : TiktokenTokenizer.knownNames().split(", ")) {
      Tokenizer tok = Tokenizer.named(name);
      assertEquals(text, tok.decode(tok.encode(text)), name);
      assertEquals(EOT_TEXT, tok.decode(new int[] {tok.endOfText()}), name);
      assertTrue(tok.endOfText() < tok.vocabSize(), name);
      assertTrue(Arrays.stream(tok.encode(text)).allMatch(t -> t < tok.vocabSize()), name);
    }
  }

  @Test
  void endOfTextWrittenInADocumentIsOrdinaryTextNotTheMarker() {
    Tokenizer gpt2 = Tokenizer.named("gpt2");
    int[] tokens = gpt2.encode("a" + EOT_TEXT + "b");
    assertFalse(Arrays.stream(tokens).anyMatch(t -> t == gpt2.endOfText()));
    assertEquals("a" + EOT_TEXT + "b", gpt2.decode(tokens));
  }

  @Test
  void unknownNameIsRejectedListingTheKnownOnes() {
    DataError e = assertThrows(DataError.class, () -> Tokenizer.named("gpt5"));
    assertEquals("unknown tokenizer 'gpt5': known tokenizers are gpt2, p50k, cl100k, o200k", e.getMessage());
  }
}
