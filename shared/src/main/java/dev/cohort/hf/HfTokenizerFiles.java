package dev.cohort.hf;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The tokenizer beside the weights. Cohort tokenizes with JTokkit's tiktoken vocabularies; GPT-2's (r50k_base) is
 * token for token the one of Hugging Face's "openai-community/gpt2" tokenizer, whose vocab.json and merges.txt are
 * written here so {@code AutoTokenizer.from_pretrained(dir)} works offline. Other vocabularies get a note.
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

  static void write(String tokenizer, int endOfText, Path dir) throws IOException {
    ObjectMapper json = new ObjectMapper();
    ObjectNode special = json.createObjectNode();
    special.put("bos_token", END_OF_TEXT);
    special.put("eos_token", END_OF_TEXT);
    special.put("unk_token", END_OF_TEXT);
    json.writerWithDefaultPrettyPrinter().writeValue(dir.resolve(SPECIAL_TOKENS).toFile(), special);
    ObjectNode config = special.deepCopy();
    if (tokenizer.equals(GPT2)) {
      config.put("tokenizer_class", "GPT2Tokenizer");
      Gpt2VocabularyFiles.write(dir, END_OF_TEXT, endOfText);
    }
    config.put("add_prefix_space", false);
    config.put("cohort_tokenizer", tokenizer);
    json.writerWithDefaultPrettyPrinter().writeValue(dir.resolve(TOKENIZER_CONFIG).toFile(), config);
    Files.writeString(dir.resolve(NOTE), note(tokenizer, endOfText), StandardCharsets.UTF_8);
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
