package dev.cohort.data;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.huggingface.tokenizers.jni.TokenizersLibrary;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
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
   * Tokenizers shipped in the jar, by name: "brown-8k", the default run's, a byte-level BPE of 8,192 tokens that
   * {@code ./cohort tokenizer train --input bundled --vocab 8192} learned from the bundled Brown corpus.
   */
  static final Map<String, String> BUNDLED = Map.of(Tokenizer.DEFAULT, "/tokenizer/brown-8k/tokenizer.json");

  /**
   * Special tokens are added by {@link Tokenizer#prompt} and the corpus layout, not by the library; nothing is
   * truncated or padded.
   */
  private static final Map<String, String> OPTIONS =
      Map.of("addSpecialTokens", "false", "truncation", "false", "padding", "false");

  private final String name;
  private final byte[] json;
  private final Optional<Path> config;
  private final HuggingFaceTokenizer tokenizer;
  private final HfSpecialTokens special;
  private final String fingerprint;

  private HfTokenizer(String name, byte[] json, Optional<Path> config) throws IOException {
    this.name = name;
    this.json = json;
    this.config = config;
    this.special = HfSpecialTokens.read(json, config);
    this.tokenizer = HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(json), OPTIONS);
    this.fingerprint = sha256(json);
  }

  /**
   * The tokenizer in {@code path}: a tokenizer.json, or a directory holding one and maybe a tokenizer_config.json
   * (which may name eos).
   */
  static HfTokenizer open(Path path) {
    Path file = Files.isDirectory(path) ? path.resolve(FILE_NAME) : path;
    if (!Files.isRegularFile(file)) throw new DataError("no " + FILE_NAME + " at " + path);
    Path config = file.toAbsolutePath().resolveSibling(HfSpecialTokens.CONFIG_FILE);
    try {
      return new HfTokenizer(path.toString(), Files.readAllBytes(file),
          Optional.of(config).filter(Files::isRegularFile));
    } catch (IOException | RuntimeException e) {
      throw new DataError("cannot load tokenizer " + file + ": " + e.getMessage(), e);
    }
  }

  static boolean isBundled(String name) {
    return BUNDLED.containsKey(name);
  }

  /** A tokenizer.json shipped in the jar, by its name in {@link #BUNDLED}. */
  static HfTokenizer bundled(String name) {
    String resource = BUNDLED.get(name);
    try (InputStream in = HfTokenizer.class.getResourceAsStream(resource)) {
      if (in == null) throw new DataError("bundled tokenizer " + resource + " missing from the class path");
      return new HfTokenizer(name, in.readAllBytes(), Optional.empty());
    } catch (IOException e) {
      throw new DataError("cannot load bundled tokenizer " + resource + ": " + e.getMessage(), e);
    }
  }

  /** Writes the tokenizer.json (and the tokenizer_config.json it was read with, if any) into {@code dir}. */
  void copyInto(Path dir) throws IOException {
    Files.write(dir.resolve(FILE_NAME), json);
    if (config.isPresent()) Files.copy(config.get(), dir.resolve(HfSpecialTokens.CONFIG_FILE));
  }

  @Override
  public Optional<byte[]> tokenizerJson() {
    return Optional.of(json.clone());
  }

  /**
   * The library's ids alone: DJL's {@code HuggingFaceTokenizer.encode} also converts every token's byte offsets to
   * character spans, which costs more than tokenizing a long document (measured: over ten times slower on Brown).
   */
  @Override
  public int[] encode(String text) {
    long encoding = TokenizersLibrary.LIB.encode(tokenizer.getHandle(), text, false);
    try {
      long[] ids = TokenizersLibrary.LIB.getTokenIds(encoding);
      int[] out = new int[ids.length];
      for (int i = 0; i < ids.length; i++) out[i] = Math.toIntExact(ids[i]);
      return out;
    } finally {
      TokenizersLibrary.LIB.deleteEncoding(encoding);
    }
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
    return name;
  }

  /** {@code sha256:} and the hash of the tokenizer.json's bytes. */
  @Override
  public String fingerprint() {
    return fingerprint;
  }

  private static String sha256(byte[] bytes) {
    try {
      return FINGERPRINT_PREFIX + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }

  @Override
  public String toString() {
    return name + " (" + fingerprint + ")";
  }
}
