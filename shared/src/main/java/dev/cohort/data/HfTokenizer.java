package dev.cohort.data;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import dev.cohort.checkpoint.DurableFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A Hugging Face {@code tokenizer.json} run by the Rust {@code tokenizers} library through DJL's binding (its
 * native ships in the jar: no network), so Llama, Mistral, Qwen or a tokenizer trained with
 * {@code ./cohort tokenizer train} tokenize exactly as in transformers. Text that spells an added token (such as
 * "&lt;|endoftext|&gt;") becomes that token, as in transformers.
 */
final class HfTokenizer implements Tokenizer {
  static final String FILE_NAME = "tokenizer.json";
  static final String FINGERPRINT_PREFIX = "sha256:";

  /**
   * Special tokens are added by {@link Tokenizer#prompt} and the corpus layout, not by the library; nothing is
   * truncated or padded.
   */
  private static final Map<String, String> OPTIONS =
      Map.of("addSpecialTokens", "false", "truncation", "false", "padding", "false");

  private final Path file;
  private final HuggingFaceTokenizer tokenizer;
  private final HfSpecialTokens special;
  private final String fingerprint;

  private HfTokenizer(Path file, HuggingFaceTokenizer tokenizer, HfSpecialTokens special, String fingerprint) {
    this.file = file;
    this.tokenizer = tokenizer;
    this.special = special;
    this.fingerprint = fingerprint;
  }

  /** The tokenizer in {@code path}: a tokenizer.json, or a directory holding one (and maybe tokenizer_config.json). */
  static HfTokenizer open(Path path) {
    Path file = Files.isDirectory(path) ? path.resolve(FILE_NAME) : path;
    if (!Files.isRegularFile(file)) throw new DataError("no " + FILE_NAME + " at " + path);
    try {
      HfSpecialTokens special = HfSpecialTokens.read(file);
      return new HfTokenizer(file, HuggingFaceTokenizer.newInstance(file, OPTIONS), special,
          FINGERPRINT_PREFIX + DurableFiles.sha256(file));
    } catch (IOException | RuntimeException e) {
      throw new DataError("cannot load tokenizer " + file + ": " + e.getMessage(), e);
    }
  }

  /** The tokenizer.json this was loaded from. */
  Path file() {
    return file;
  }

  @Override
  public Optional<Path> tokenizerJson() {
    return Optional.of(file);
  }

  @Override
  public int[] encode(String text) {
    long[] ids = tokenizer.encode(text, false, false).getIds();
    int[] out = new int[ids.length];
    for (int i = 0; i < ids.length; i++) out[i] = Math.toIntExact(ids[i]);
    return out;
  }

  @Override
  public String decode(int[] tokens) {
    long[] ids = new long[tokens.length];
    for (int i = 0; i < tokens.length; i++) ids[i] = tokens[i];
    return tokenizer.decode(ids, false);
  }

  @Override
  public int vocabSize() {
    return special.vocabSize();
  }

  @Override
  public int endOfText() {
    return special.endOfText();
  }

  @Override
  public OptionalInt beginOfText() {
    return special.beginOfText();
  }

  @Override
  public String name() {
    return file.toString();
  }

  @Override
  public String fingerprint() {
    return fingerprint;
  }

  @Override
  public String toString() {
    return file + " (" + fingerprint + ")";
  }
}
