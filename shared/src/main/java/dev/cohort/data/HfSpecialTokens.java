package dev.cohort.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * What a Hugging Face tokenizer.json says about its vocabulary size and its bos / eos tokens, read as transformers
 * reads them.
 *
 * <p>bos: the special token the post-processor's template puts before the sequence (TemplateProcessing's
 * {@code <s> $A}, Roberta's cls), none when the template adds nothing (GPT-2, Qwen). eos: {@code eos_token} of a
 * tokenizer_config.json beside the file; else the special token the template puts after the sequence; else the
 * first of the usual end-of-text tokens the vocabulary has.
 *
 * @param vocabSize one more than the largest id of the model's vocabulary and of the added tokens
 * @param endOfText eos, ending every document
 * @param beginOfText bos, if the template adds one
 */
record HfSpecialTokens(int vocabSize, int endOfText, OptionalInt beginOfText) {
  static final String CONFIG_FILE = "tokenizer_config.json";

  /** The end-of-text tokens of GPT-2 / Qwen, Llama 2 / Mistral, Llama 3 and Gemma, looked for in that order. */
  private static final List<String> USUAL_END_OF_TEXT = List.of("<|endoftext|>", "</s>", "<|end_of_text|>", "<eos>");

  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * @param json a tokenizer.json's bytes
   * @param config the tokenizer_config.json beside it, if any
   */
  static HfSpecialTokens read(byte[] json, Optional<Path> config) throws IOException {
    JsonNode root = JSON.readTree(json);
    Map<String, Integer> ids = tokenIds(root);
    int vocabSize = ids.values().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1;
    if (root.path("model").path("vocab").isArray()) {
      vocabSize = Math.max(vocabSize, root.path("model").path("vocab").size());
    }
    Template template = template(root.path("post_processor"), ids);
    OptionalInt eos = config.isPresent() ? configuredEos(config.get(), ids) : OptionalInt.empty();
    if (eos.isEmpty()) eos = template.after();
    if (eos.isEmpty()) {
      eos = USUAL_END_OF_TEXT.stream().filter(ids::containsKey).mapToInt(ids::get).findFirst();
    }
    if (eos.isEmpty()) {
      throw new DataError("the tokenizer has no end-of-text token: set eos_token in a " + CONFIG_FILE
          + " beside it, or add one of " + USUAL_END_OF_TEXT + " as a special token");
    }
    return new HfSpecialTokens(vocabSize, eos.getAsInt(), template.before());
  }

  /** Every token string with its id: the model's vocabulary (BPE, WordPiece: a map) and the added tokens. */
  private static Map<String, Integer> tokenIds(JsonNode root) {
    Map<String, Integer> ids = new HashMap<>();
    JsonNode vocab = root.path("model").path("vocab");
    if (vocab.isObject()) vocab.fields().forEachRemaining(e -> ids.put(e.getKey(), e.getValue().asInt()));
    for (JsonNode added : root.path("added_tokens")) ids.put(added.path("content").asText(), added.path("id").asInt());
    return ids;
  }

  /** The special tokens a post-processor puts around a single sequence. */
  private record Template(OptionalInt before, OptionalInt after) {
    static final Template NONE = new Template(OptionalInt.empty(), OptionalInt.empty());
  }

  private static Template template(JsonNode processor, Map<String, Integer> ids) {
    switch (processor.path("type").asText()) {
      case "Sequence" -> {
        for (JsonNode inner : processor.path("processors")) {
          Template t = template(inner, ids);
          if (!t.equals(Template.NONE)) return t;
        }
        return Template.NONE;
      }
      case "TemplateProcessing" -> {
        OptionalInt before = OptionalInt.empty();
        OptionalInt after = OptionalInt.empty();
        boolean seenSequence = false;
        for (JsonNode piece : processor.path("single")) {
          if (piece.has("Sequence")) {
            seenSequence = true;
          } else if (piece.has("SpecialToken")) {
            OptionalInt id = specialId(processor, piece.path("SpecialToken").path("id").asText(), ids);
            if (!seenSequence && before.isEmpty()) before = id;
            if (seenSequence && after.isEmpty()) after = id;
          }
        }
        return new Template(before, after);
      }
      case "RobertaProcessing", "BertProcessing" -> {
        return new Template(OptionalInt.of(processor.path("cls").get(1).asInt()),
            OptionalInt.of(processor.path("sep").get(1).asInt()));
      }
      default -> {
        return Template.NONE;
      }
    }
  }

  private static OptionalInt specialId(JsonNode template, String name, Map<String, Integer> ids) {
    JsonNode declared = template.path("special_tokens").path(name).path("ids");
    if (declared.isArray() && declared.size() == 1) return OptionalInt.of(declared.get(0).asInt());
    Integer id = ids.get(name);
    return id == null ? OptionalInt.empty() : OptionalInt.of(id);
  }

  /** eos_token of a tokenizer_config.json: a string, or an added-token object with "content". */
  private static OptionalInt configuredEos(Path config, Map<String, Integer> ids) throws IOException {
    JsonNode eos = JSON.readTree(config.toFile()).path("eos_token");
    String text = eos.isObject() ? eos.path("content").asText(null) : eos.asText(null);
    if (text == null || eos.isNull()) return OptionalInt.empty();
    Integer id = ids.get(text);
    if (id == null) throw new DataError(config + " names eos_token '" + text + "', which the vocabulary does not have");
    return OptionalInt.of(id);
  }
}
