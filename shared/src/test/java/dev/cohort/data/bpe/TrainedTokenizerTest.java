package dev.cohort.data.bpe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cohort.data.Documents;
import dev.cohort.data.Tokenizer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A byte-level BPE trained on part of the Brown corpus, written as tokenizer.json and run by the Rust library through
 * DJL: the same ids as our own encoder on held-out documents and on hard text, and exact decoding.
 */
class TrainedTokenizerTest {
  private static final int VOCAB = 1024;
  /** Documents trained on, and held out after them: a part of Brown keeps the test fast. */
  private static final int TRAINING = 150;
  private static final int HELD_OUT = 20;
  private static final String EOT = "<|endoftext|>";
  private static final List<String> SPECIALS = List.of(EOT, "[INST]", "[/INST]");
  /** Unicode, emoji (a joined family: several code points), whitespace runs, tabs, CRLF, a special token. */
  private static final String HARD = "Naïve café — 東京 🙂 👨‍👩‍👧 𝄞\n\n\n   spaces\t\ttabs \r\nend  "
      + "[INST] it's 1961's [/INST] ok" + EOT + "next";

  @TempDir static Path dir;
  static List<String> heldOut;
  static ByteLevelBpe ours;
  static Tokenizer rust;

  @BeforeAll
  static void train() throws IOException {
    List<String> documents = new ArrayList<>();
    Documents.forEach("bundled", "text", "read", false, documents::add);
    List<String> training = documents.subList(0, TRAINING);
    heldOut = documents.subList(TRAINING, TRAINING + HELD_OUT);
    BpeVocabulary vocabulary = BpeTrainer.train(WordCounts.of(training).counts(), VOCAB, SPECIALS, false);
    ByteLevelTokenizerJson.write(vocabulary, EOT, dir);
    ours = new ByteLevelBpe(vocabulary);
    rust = Tokenizer.load(dir.resolve(ByteLevelTokenizerJson.TOKENIZER).toString());
  }

  @Test
  void theRustLibraryGivesOurIdsOnHeldOutDocumentsAndHardText() {
    for (String text : heldOut) assertArrayEquals(ours.encode(text), rust.encode(text));
    assertArrayEquals(ours.encode(HARD), rust.encode(HARD));
    assertEquals(VOCAB, rust.vocabSize());
    assertEquals(VOCAB - SPECIALS.size(), rust.endOfText());
  }

  @Test
  void bothDecodeBackByteForByte() {
    for (String text : heldOut) assertEquals(text, rust.decode(rust.encode(text)));
    assertEquals(HARD, rust.decode(rust.encode(HARD)));
    assertArrayEquals(HARD.getBytes(StandardCharsets.UTF_8), ours.decodeBytes(ours.encode(HARD)));
  }

  @Test
  void idsThatCutACharacterDecodeToItsExactBytesWhichAreNotUtf8() {
    String clef = "𝄞"; // four UTF-8 bytes, too rare in Brown to be one token
    int[] ids = ours.encode(clef);
    assertTrue(ids.length > 1, Arrays.toString(ids));
    byte[] cut = ours.decodeBytes(Arrays.copyOf(ids, 1));
    byte[] whole = clef.getBytes(StandardCharsets.UTF_8);
    assertArrayEquals(Arrays.copyOf(whole, cut.length), cut);
    assertThrows(CharacterCodingException.class,
        () -> StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(cut)));
    assertEquals("\uFFFD", rust.decode(Arrays.copyOf(ids, 1)).substring(0, 1), "a text decoder replaces them");
  }

  @Test
  void specialTokensInTheTextBecomeTheirIds() {
    int[] ids = rust.encode("a" + EOT + "[INST]");
    assertEquals(VOCAB - 3, ids[ids.length - 2]);
    assertEquals(VOCAB - 2, ids[ids.length - 1]);
  }
}
