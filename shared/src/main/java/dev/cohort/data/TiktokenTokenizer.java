package dev.cohort.data;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingRegistry;
import com.knuddels.jtokkit.api.EncodingType;
import com.knuddels.jtokkit.api.IntArrayList;
import java.util.Arrays;
import java.util.OptionalInt;
import java.util.stream.Collectors;

/**
 * A byte-pair tokenizer from JTokkit, whose vocabularies ship inside its jar (no network needed). No bos; a document
 * ends with end-of-text.
 *
 * <p>Thread-safe: JTokkit encodings are immutable.
 */
final class TiktokenTokenizer implements Tokenizer {
  /**
   * The known tokenizers. The vocabulary size counts the special tokens too (as tiktoken's n_vocab), so
   * every id the tokenizer can emit, end-of-text included, is below it.
   */
  private enum Known {
    GPT2("gpt2", EncodingType.R50K_BASE, 50_257, 50_256),
    P50K("p50k", EncodingType.P50K_BASE, 50_281, 50_256),
    CL100K("cl100k", EncodingType.CL100K_BASE, 100_277, 100_257),
    O200K("o200k", EncodingType.O200K_BASE, 200_019, 199_999);

    final String name;
    final EncodingType type;
    final int vocabSize;
    final int endOfText;

    Known(String name, EncodingType type, int vocabSize, int endOfText) {
      this.name = name;
      this.type = type;
      this.vocabSize = vocabSize;
      this.endOfText = endOfText;
    }
  }

  // Lazy: each vocabulary (up to 3.6 MB) is parsed only when first asked for.
  private static final EncodingRegistry REGISTRY = Encodings.newLazyEncodingRegistry();

  private final Known known;
  private final Encoding encoding;

  private TiktokenTokenizer(Known known) {
    this.known = known;
    this.encoding = REGISTRY.getEncoding(known.type);
  }

  /** The tokenizer called {@code name}: "gpt2" (r50k_base), "p50k", "cl100k" or "o200k". */
  static Tokenizer named(String name) {
    for (Known k : Known.values()) {
      if (k.name.equals(name)) return new TiktokenTokenizer(k);
    }
    throw new DataError("unknown tokenizer '" + name + "': known tokenizers are " + knownNames());
  }

  static boolean isKnown(String name) {
    return Arrays.stream(Known.values()).anyMatch(k -> k.name.equals(name));
  }

  /** The names {@link #named} accepts, comma separated. */
  static String knownNames() {
    return Arrays.stream(Known.values()).map(k -> k.name).collect(Collectors.joining(", "));
  }

  /** Tokens of {@code text}; special-token text such as "<|endoftext|>" is encoded as ordinary text. */
  @Override
  public int[] encode(String text) {
    return encoding.encodeOrdinary(text).toArray();
  }

  @Override
  public String decode(int[] tokens) {
    IntArrayList list = new IntArrayList(tokens.length);
    for (int token : tokens) list.add(token);
    return encoding.decode(list);
  }

  @Override
  public int vocabSize() {
    return known.vocabSize;
  }

  @Override
  public int endOfText() {
    return known.endOfText;
  }

  @Override
  public OptionalInt beginOfText() {
    return OptionalInt.empty();
  }

  @Override
  public String name() {
    return known.name;
  }

  @Override
  public String fingerprint() {
    return known.name;
  }

  @Override
  public String toString() {
    return known.name;
  }
}
