package dev.cohort.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Text to token ids and back. Two kinds: a tiktoken vocabulary bundled with JTokkit ({@code gpt2}, {@code p50k},
 * {@code cl100k}, {@code o200k}) and any Hugging Face {@code tokenizer.json} (through the Rust library).
 *
 * <p>A training document is laid out as transformers' tokenizer would with its special tokens, followed by
 * end-of-text: {@code [bos] text eos}, where bos is present only when the tokenizer's own template adds one
 * (Llama's {@code <s>}, Llama 3's {@code <|begin_of_text|>}; GPT-2 and Qwen add none). Implementations are
 * thread-safe: documents are tokenized in parallel.
 */
public interface Tokenizer {
  /** The tokenizer used when none is named, as data.tokenizer's default: the bundled brown-8k. */
  String DEFAULT = "brown-8k";

  /**
   * The tokenizer {@code spec} names: a bundled vocabulary's name (tiktoken's, or the Brown corpus's "brown-8k"), or
   * a path to a {@code tokenizer.json} or to a directory holding one.
   */
  static Tokenizer load(String spec) {
    if (TiktokenTokenizer.isKnown(spec)) return TiktokenTokenizer.named(spec);
    if (HfTokenizer.isBundled(spec)) return HfTokenizer.bundled(spec);
    Path path = Path.of(spec);
    if (Files.exists(path)) return HfTokenizer.open(path);
    throw new DataError("unknown tokenizer '" + spec + "': give a tokenizer.json, a directory holding one, or one of "
        + TiktokenTokenizer.knownNames() + ", " + String.join(", ", HfTokenizer.BUNDLED.keySet()));
  }

  /** A bundled vocabulary: "gpt2" (r50k_base), "p50k", "cl100k" or "o200k". */
  static Tokenizer named(String name) {
    return TiktokenTokenizer.named(name);
  }

  /** Tokens of {@code text} with no special tokens added around it. */
  int[] encode(String text);

  /** The tokens' text, special tokens included; bytes that do not form whole UTF-8 characters become U+FFFD. */
  String decode(int[] tokens);

  /** Every id the tokenizer can emit, special tokens included, is below this. */
  int vocabSize();

  /** The id that ends every document (eos). */
  int endOfText();

  /** The id the tokenizer puts before a sequence, if its template adds one. */
  OptionalInt beginOfText();

  /** How a run names it: a bundled name, or the tokenizer.json's path. */
  String name();

  /** Identifies the vocabulary and rules: a bundled name, or {@code sha256:} and the tokenizer.json's hash. */
  String fingerprint();

  /** The bytes of the Hugging Face tokenizer.json this tokenizer runs, if it is one. */
  default Optional<byte[]> tokenizerJson() {
    return Optional.empty();
  }

  /** {@code text} as a sequence to continue or train on: bos (when the tokenizer has one) then the text. */
  default int[] prompt(String text) {
    int[] body = encode(text);
    OptionalInt bos = beginOfText();
    if (bos.isEmpty()) return body;
    int[] out = new int[body.length + 1];
    out[0] = bos.getAsInt();
    System.arraycopy(body, 0, out, 1, body.length);
    return out;
  }
}
