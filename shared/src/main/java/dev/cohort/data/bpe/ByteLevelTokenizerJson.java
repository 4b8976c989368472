package dev.cohort.data.bpe;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A byte-level BPE as the files Hugging Face reads: tokenizer.json (the {@code tokenizers} library's format, GPT-2's
 * shape: ByteLevel pre-tokenizer and decoder, BPE model, the special tokens as added tokens), vocab.json and
 * merges.txt (the slow GPT2Tokenizer's), and a tokenizer_config.json naming end-of-text as bos and eos.
 */
public final class ByteLevelTokenizerJson {
  public static final String TOKENIZER = "tokenizer.json";
  public static final String VOCAB = "vocab.json";
  public static final String MERGES = "merges.txt";
  public static final String CONFIG = "tokenizer_config.json";
  private static final String MERGES_HEADER = "#version: 0.2";

  private ByteLevelTokenizerJson() {}

  /** Writes the four files of {@code vocabulary} into {@code dir}; {@code endOfText} must be one of its specials. */
  public static void write(BpeVocabulary vocabulary, String endOfText, Path dir) throws IOException {
    ObjectMapper json = new ObjectMapper();
    ObjectNode vocab = json.createObjectNode();
    for (int id = 0; id < vocabulary.tokens().size(); id++) {
      vocab.put(ByteAlphabet.printable(vocabulary.tokens().get(id)), id);
    }
    Map<String, Integer> specials = new LinkedHashMap<>();
    for (String s : vocabulary.specials()) specials.put(s, vocabulary.specialId(s));
    specials.forEach(vocab::put);
    List<String> merges = new ArrayList<>();
    for (Merge m : vocabulary.merges()) {
      merges.add(ByteAlphabet.printable(vocabulary.tokens().get(m.left())) + " "
          + ByteAlphabet.printable(vocabulary.tokens().get(m.right())));
    }
    Files.createDirectories(dir);
    writeFiles(json, vocab, merges, specials, dir);
    ObjectNode config = json.createObjectNode();
    config.put("tokenizer_class", "PreTrainedTokenizerFast");
    config.put("bos_token", endOfText).put("eos_token", endOfText).put("unk_token", endOfText);
    config.put("add_prefix_space", false);
    json.writerWithDefaultPrettyPrinter().writeValue(dir.resolve(CONFIG).toFile(), config);
  }

  /** vocab.json, merges.txt and tokenizer.json of a byte-level BPE whose vocab already lists the specials. */
  public static void writeFiles(ObjectMapper json, ObjectNode vocab, List<String> merges, Map<String, Integer> specials,
      Path dir) throws IOException {
    json.writeValue(dir.resolve(VOCAB).toFile(), vocab);
    List<String> mergesFile = new ArrayList<>(List.of(MERGES_HEADER));
    mergesFile.addAll(merges);
    Files.write(dir.resolve(MERGES), mergesFile, StandardCharsets.UTF_8);
    json.writeValue(dir.resolve(TOKENIZER).toFile(), tokenizerJson(json, vocab, merges, specials));
  }

  private static ObjectNode tokenizerJson(ObjectMapper json, ObjectNode vocab, List<String> merges,
      Map<String, Integer> specials) {
    ObjectNode root = json.createObjectNode();
    root.put("version", "1.0");
    root.putNull("truncation");
    root.putNull("padding");
    ArrayNode added = root.putArray("added_tokens");
    specials.forEach((content, id) -> added.addObject().put("id", id).put("content", content)
        .put("single_word", false).put("lstrip", false).put("rstrip", false).put("normalized", false)
        .put("special", true));
    root.putNull("normalizer");
    root.set("pre_tokenizer", byteLevel(json, false, true));
    root.set("post_processor", byteLevel(json, true, false));
    root.set("decoder", byteLevel(json, true, true));
    ObjectNode model = root.putObject("model");
    model.put("type", "BPE").putNull("dropout");
    model.putNull("unk_token");
    model.put("continuing_subword_prefix", "").put("end_of_word_suffix", "").put("fuse_unk", false)
        .put("byte_fallback", false);
    model.set("vocab", vocab);
    merges.forEach(model.putArray("merges")::add);
    return root;
  }

  private static ObjectNode byteLevel(ObjectMapper json, boolean addPrefixSpace, boolean trimOffsets) {
    return json.createObjectNode().put("type", "ByteLevel").put("add_prefix_space", addPrefixSpace)
        .put("trim_offsets", trimOffsets).put("use_regex", true);
  }
}
