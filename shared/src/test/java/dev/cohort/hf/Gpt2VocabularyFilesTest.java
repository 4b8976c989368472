package dev.cohort.hf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cohort.data.Tokenizer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** vocab.json and merges.txt derived from JTokkit's r50k ranks are GPT-2's. */
class Gpt2VocabularyFilesTest {
  @TempDir Path dir;

  @Test
  void theDerivedFilesHaveGpt2sSizesAndFirstMergesAndIds() throws IOException {
    Tokenizer gpt2 = Tokenizer.named("gpt2");
    Gpt2VocabularyFiles.write(dir, "<|endoftext|>", gpt2.endOfText());
    JsonNode vocab = new ObjectMapper().readTree(dir.resolve(Gpt2VocabularyFiles.VOCAB).toFile());
    assertEquals(gpt2.vocabSize(), vocab.size());
    assertEquals(gpt2.endOfText(), vocab.get("<|endoftext|>").asInt());
    // " the" is one GPT-2 token; the space byte prints as 'Ġ' (U+0120) in GPT-2's byte alphabet.
    int[] the = gpt2.encode(" the");
    assertEquals(1, the.length);
    assertEquals(the[0], vocab.get("\u0120the").asInt());
    List<String> merges = Files.readAllLines(dir.resolve(Gpt2VocabularyFiles.MERGES), StandardCharsets.UTF_8);
    assertEquals("#version: 0.2", merges.get(0));
    assertEquals(gpt2.endOfText() - 256, merges.size() - 1, "one merge per token above the 256 bytes");
    assertEquals(List.of("\u0120 t", "\u0120 a", "h e", "i n"), merges.subList(1, 5), "GPT-2's first merges");
    JsonNode fast = new ObjectMapper().readTree(dir.resolve(Gpt2VocabularyFiles.TOKENIZER).toFile());
    assertEquals(vocab, fast.get("model").get("vocab"));
    assertEquals(merges.size() - 1, fast.get("model").get("merges").size());
    assertEquals(gpt2.endOfText(), fast.get("added_tokens").get(0).get("id").asInt());
  }

  @Test
  void theDerivedTokenizerJsonRunByTheRustLibraryGivesJTokkitsIds() throws IOException {
    Tokenizer gpt2 = Tokenizer.named("gpt2");
    Gpt2VocabularyFiles.write(dir, "<|endoftext|>", gpt2.endOfText());
    Tokenizer hf = Tokenizer.load(dir.resolve(Gpt2VocabularyFiles.TOKENIZER).toString());
    String text = "The jury said it's   \"well-run\" 1961's café, naïve 東京 🙂\n\n\tend  ";
    assertArrayEquals(gpt2.encode(text), hf.encode(text));
    assertEquals(text, hf.decode(hf.encode(text)));
    assertEquals(gpt2.vocabSize(), hf.vocabSize());
    assertEquals(gpt2.endOfText(), hf.endOfText());
  }
}
