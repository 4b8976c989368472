package dev.cohort.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cohort.config.DataConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hugging Face tokenizer.json files run through the Rust library: a Llama-style one whose template starts every
 * sequence with bos, and whose eos comes from tokenizer_config.json.
 */
class HfTokenizerTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<String> WORDS = List.of("<unk>", "<s>", "</s>", "hello", "world", "again");
  private static final int BOS = 1;
  private static final int EOS = 2;

  @TempDir Path dir;

  /** A word-level tokenizer.json with Llama's template ({@code <s> $A}) and, optionally, a tokenizer_config.json. */
  private Path llamaStyle(Path into, boolean withConfig) throws IOException {
    Files.createDirectories(into);
    ObjectNode root = JSON.createObjectNode();
    root.put("version", "1.0");
    ArrayNode added = root.putArray("added_tokens");
    for (int id : new int[] {0, BOS, EOS}) {
      added.addObject().put("id", id).put("content", WORDS.get(id)).put("single_word", false).put("lstrip", false)
          .put("rstrip", false).put("normalized", false).put("special", true);
    }
    root.putObject("pre_tokenizer").put("type", "Whitespace");
    ObjectNode template = root.putObject("post_processor");
    template.put("type", "TemplateProcessing");
    ArrayNode single = template.putArray("single");
    single.addObject().putObject("SpecialToken").put("id", "<s>").put("type_id", 0);
    single.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
    template.putArray("pair");
    ObjectNode s = template.putObject("special_tokens").putObject("<s>");
    s.put("id", "<s>");
    s.putArray("ids").add(BOS);
    s.putArray("tokens").add("<s>");
    ObjectNode model = root.putObject("model");
    model.put("type", "WordLevel").put("unk_token", "<unk>");
    ObjectNode vocab = model.putObject("vocab");
    for (int i = 0; i < WORDS.size(); i++) vocab.put(WORDS.get(i), i);
    root.putObject("decoder").put("type", "WordPiece").put("prefix", "##").put("cleanup", false);
    JSON.writeValue(into.resolve("tokenizer.json").toFile(), root);
    if (withConfig) JSON.writeValue(into.resolve("tokenizer_config.json").toFile(), JSON.createObjectNode()
        .put("eos_token", "</s>").put("bos_token", "<s>"));
    return into;
  }

  @Test
  void bosComesFromTheTemplateAndEosFromTokenizerConfig() throws IOException {
    Tokenizer tok = Tokenizer.load(llamaStyle(dir.resolve("llama"), true).toString());
    assertArrayEquals(new int[] {3, 4}, tok.encode("hello world"));
    assertArrayEquals(new int[] {BOS, 3, 4}, tok.prompt("hello world"));
    assertEquals(OptionalInt.of(BOS), tok.beginOfText());
    assertEquals(EOS, tok.endOfText());
    assertEquals(WORDS.size(), tok.vocabSize());
    assertTrue(tok.fingerprint().startsWith("sha256:"), tok.fingerprint());
  }

  @Test
  void everyDocumentIsBosTextEosAndTheCorpusRecordsItsTokenizer() throws IOException {
    Path tokenizer = llamaStyle(dir.resolve("llama"), true);
    Path corpus = Corpora.write(dir.resolve("c.jsonl"), Corpora.lines(List.of("hello world", "again")));
    PreparedCorpus prepared = CorpusPreparer.prepare(corpus.toString(), "text", tokenizer.toString(), 0, 1,
        dir.resolve("prepared"), false);

    assertArrayEquals(new int[] {BOS, 3, 4, EOS, BOS, 5, EOS}, Corpora.all(prepared.train()));
    assertEquals(Tokenizer.load(tokenizer.toString()).fingerprint(), prepared.index().tokenizerFingerprint());
    assertArrayEquals(Files.readAllBytes(tokenizer.resolve("tokenizer.json")),
        Files.readAllBytes(dir.resolve("prepared/tokenizer.json")));
    assertEquals(prepared.index().tokenizerFingerprint(), prepared.tokenizer().fingerprint());
    assertEquals(EOS, prepared.tokenizer().endOfText());
  }

  @Test
  void withoutAnEosTheUsualEndOfTextTokenIsFoundOrTheTokenizerRefused() throws IOException {
    Path plain = llamaStyle(dir.resolve("plain"), false);
    assertEquals(EOS, Tokenizer.load(plain.resolve("tokenizer.json").toString()).endOfText());

    ObjectNode root = (ObjectNode) JSON.readTree(plain.resolve("tokenizer.json").toFile());
    ((ObjectNode) root.path("model").path("vocab")).remove("</s>");
    ((ArrayNode) root.path("added_tokens")).remove(2);
    Path noEos = Files.createDirectories(dir.resolve("no-eos")).resolve("tokenizer.json");
    JSON.writeValue(noEos.toFile(), root);
    DataError e = assertThrows(DataError.class, () -> Tokenizer.load(noEos.toString()));
    assertTrue(e.getMessage().contains("has no end-of-text token"), e.getMessage());
  }

  @Test
  void aRunWhoseTokenizerChangedSinceItsCorpusWasPreparedIsRefused() throws IOException {
    Path tokenizer = llamaStyle(dir.resolve("llama"), true);
    Path corpus = Corpora.write(dir.resolve("c.jsonl"), Corpora.lines(List.of("hello world")));
    CorpusPreparer.prepare(corpus.toString(), "text", tokenizer.toString(), 0, 1, dir.resolve("prepared"), false);
    DataConfig data = new DataConfig(corpus.toString(), dir.resolve("prepared").toString(), "text",
        tokenizer.toString(), 0, 4);
    assertEquals(prepared(data), RunTokenizer.of(data).fingerprint());

    ObjectNode root = (ObjectNode) JSON.readTree(tokenizer.resolve("tokenizer.json").toFile());
    ((ObjectNode) root.path("model").path("vocab")).put("extra", WORDS.size());
    JSON.writeValue(tokenizer.resolve("tokenizer.json").toFile(), root);
    assertNotEquals(prepared(data), Tokenizer.load(tokenizer.toString()).fingerprint());
    DataError e = assertThrows(DataError.class, () -> RunTokenizer.of(data));
    assertTrue(e.getMessage().contains("a run never mixes tokenizers"), e.getMessage());
  }

  private static String prepared(DataConfig data) {
    return PreparedCorpus.open(Path.of(data.prepared())).index().tokenizerFingerprint();
  }

  @Test
  void anUnknownNameThatIsNoFileIsRefusedNamingTheChoices() {
    DataError e = assertThrows(DataError.class, () -> Tokenizer.load("llama9"));
    assertEquals("unknown tokenizer 'llama9': give a tokenizer.json, a directory holding one, or one of gpt2, p50k, "
        + "cl100k, o200k, brown-8k", e.getMessage());
  }
}
