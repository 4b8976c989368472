package dev.cohort.hf;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cohort.data.Tokenizer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * The tokenizer beside the weights, so {@code AutoTokenizer.from_pretrained(dir)} works offline. A run on a Hugging
 * Face tokenizer.json (brought, imported or trained with {@code ./cohort tokenizer train}) gets that very file, with
 * its bos / eos named in tokenizer_config.json. GPT-2's (r50k_base) is token for token the one of
 * "openai-community/gpt2", whose vocab.json, merges.txt and tokenizer.json are derived here. Other tiktoken
 * vocabularies get a note.
 */
final class HfTokenizerFiles {
  static final String TOKENIZER_CONFIG = "tokenizer_config.json";
  static final String SPECIAL_TOKENS = "special_tokens_map.json";
  static final String NOTE = "TOKENIZER.md";
  private static final String END_OF_TEXT = "<|endoftext|>";
  private static final String GPT2 = "gpt2";
  /** The Hugging Face repository whose tokenizer equals each Cohort tokenizer. */
  private static final Map<String, String> HUB_TOKENIZER = Map.of("gpt2", "openai-community/gpt2");

  private HfTokenizerFiles() {}

  static void write(Tokenizer tokenizer, Path dir) throws IOException {
    Optional<byte[]> tokenizerJson = tokenizer.tokenizerJson();
    if (tokenizerJson.isPresent()) {
      writeTokenizerJson(tokenizer, tokenizerJson.get(), dir);
      return;
    }
    ObjectMapper json = new ObjectMapper();
    ObjectNode special = json.createObjectNode();
    special.put("bos_token", END_OF_TEXT);
    special.put("eos_token", END_OF_TEXT);
    special.put("unk_token", END_OF_TEXT);
    json.writerWithDefaultPrettyPrinter().writeValue(dir.resolve(SPECIAL_TOKENS).toFile(), special);
    ObjectNode config = special.deepCopy();
    if (tokenizer.name().equals(GPT2)) {
      config.put("tokenizer_class", "GPT2Tokenizer");
      Gpt2VocabularyFiles.write(dir, END_OF_TEXT, tokenizer.endOfText());
    }
    config.put("add_prefix_space", false);
    config.put("cohort_tokenizer", tokenizer.name());
    json.writerWithDefaultPrettyPrinter().writeValue(dir.resolve(TOKENIZER_CONFIG).toFile(), config);
    Files.writeString(dir.resolve(NOTE), note(tokenizer.name(), tokenizer.endOfText()), StandardCharsets.UTF_8);
  }

  /** The run's tokenizer.json as it is, and the bos / eos it was trained with (transformers reads them from here). */
  private static void writeTokenizerJson(Tokenizer tokenizer, byte[] file, Path dir) throws IOException {
    Files.write(dir.resolve(Gpt2VocabularyFiles.TOKENIZER), file);
    ObjectMapper json = new ObjectMapper();
    ObjectNode special = json.createObjectNode();
    special.put("eos_token", tokenizer.decode(new int[] {tokenizer.endOfText()}));
    tokenizer.beginOfText().ifPresent(bos -> special.put("bos_token", tokenizer.decode(new int[] {bos})));
    json.writerWithDefaultPrettyPrinter().writeValue(dir.resolve(SPECIAL_TOKENS).toFile(), special);
    ObjectNode config = special.deepCopy();
    config.put("tokenizer_class", "PreTrainedTokenizerFast");
    config.put("cohort_tokenizer_sha256", tokenizer.fingerprint());
    json.writerWithDefaultPrettyPrinter().writeValue(dir.resolve(TOKENIZER_CONFIG).toFile(), config);
  }

  private static String note(String tokenizer, int endOfText) {
    String hub = HUB_TOKENIZER.get(tokenizer);
    String load = hub == null
        ? "No Hugging Face tokenizer is named for it: use tiktoken's `" + tokenizer + "` encoding in Python."
        : "Its vocabulary is exactly that of `" + hub + "`; vocab.json and merges.txt here are derived from it, so\n\n"
            + "    tokenizer = AutoTokenizer.from_pretrained(\"<this directory>\")\n\n"
            + "loads it (as does `AutoTokenizer.from_pretrained(\"" + hub + "\")`).";
    return "# Tokenizer\n\nThis model was trained by Cohort with the `" + tokenizer + "` tokenizer (JTokkit/tiktoken). "
        + load + "\nEnd of text, used as both bos and eos, is token " + endOfText + " (`" + END_OF_TEXT + "`).\n";
  }
}
