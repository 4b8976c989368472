package dev.cohort.hf;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cohort.data.bpe.ByteAlphabet;
import dev.cohort.data.bpe.ByteLevelTokenizerJson;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * GPT-2's vocab.json, merges.txt and tokenizer.json, derived from the r50k_base ranks JTokkit ships (the same vocabulary, in tiktoken
 * form: token bytes and rank, no merge list). A byte-level BPE merge list is implied by the ranks: the token of rank
 * r is the merge of the two parts that BPE with only the ranks below r leaves of its bytes. Tokens are written in
 * GPT-2's printable byte alphabet (bytes_to_unicode).
 */
final class Gpt2VocabularyFiles {
  static final String VOCAB = ByteLevelTokenizerJson.VOCAB;
  static final String MERGES = ByteLevelTokenizerJson.MERGES;
  static final String TOKENIZER = ByteLevelTokenizerJson.TOKENIZER;
  private static final String RANKS = "com/knuddels/jtokkit/r50k_base.tiktoken";
  private static final int BYTE_TOKENS = 256;

  private Gpt2VocabularyFiles() {}

  /** The printable tokens in rank order and the merges in rank order: derived once per JVM (about a second). */
  private record Derived(List<String> tokens, List<String> merges) {}

  private static Derived derived;

  static void write(Path dir, String endOfText, int endOfTextId) throws IOException {
    Derived bpe = derive();
    ObjectMapper json = new ObjectMapper();
    ObjectNode vocab = json.createObjectNode();
    for (int r = 0; r < bpe.tokens().size(); r++) vocab.put(bpe.tokens().get(r), r);
    vocab.put(endOfText, endOfTextId);
    ByteLevelTokenizerJson.writeFiles(json, vocab, bpe.merges(), Map.of(endOfText, endOfTextId), dir);
  }

  private static synchronized Derived derive() throws IOException {
    if (derived != null) return derived;
    List<byte[]> tokens = ranks();
    Map<String, Integer> rankOf = new HashMap<>();
    for (int r = 0; r < tokens.size(); r++) rankOf.put(key(tokens.get(r)), r);
    List<String> printable = tokens.stream().map(ByteAlphabet::printable).toList();
    List<String> merges = new ArrayList<>();
    for (int r = BYTE_TOKENS; r < tokens.size(); r++) {
      List<byte[]> parts = bpe(tokens.get(r), rankOf, r);
      if (parts.size() != 2) throw new IllegalStateException("token of rank " + r + " is not one merge of two parts");
      merges.add(ByteAlphabet.printable(parts.get(0)) + " " + ByteAlphabet.printable(parts.get(1)));
    }
    derived = new Derived(printable, List.copyOf(merges));
    return derived;
  }

  /** Byte-level BPE of {@code token} using only merges whose result ranks below {@code maxRank}. */
  static List<byte[]> bpe(byte[] token, Map<String, Integer> rankOf, int maxRank) {
    List<byte[]> parts = new ArrayList<>();
    for (byte b : token) parts.add(new byte[] {b});
    while (parts.size() > 1) {
      int best = -1;
      int bestRank = maxRank;
      for (int i = 0; i + 1 < parts.size(); i++) {
        Integer rank = rankOf.get(key(concat(parts.get(i), parts.get(i + 1))));
        if (rank != null && rank < bestRank) {
          bestRank = rank;
          best = i;
        }
      }
      if (best < 0) break;
      parts.set(best, concat(parts.get(best), parts.remove(best + 1)));
    }
    return parts;
  }

  /** The r50k_base tokens in rank order (the file lists "base64 rank" lines, ranks 0..n-1). */
  private static List<byte[]> ranks() throws IOException {
    InputStream in = Gpt2VocabularyFiles.class.getClassLoader().getResourceAsStream(RANKS);
    if (in == null) throw new IOException("JTokkit's " + RANKS + " is not on the classpath");
    List<byte[]> tokens = new ArrayList<>();
    try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII))) {
      for (String line = reader.readLine(); line != null; line = reader.readLine()) {
        if (line.isBlank()) continue;
        String[] fields = line.split(" ");
        if (Integer.parseInt(fields[1]) != tokens.size()) throw new IOException(RANKS + " is not in rank order");
        tokens.add(Base64.getDecoder().decode(fields[0]));
      }
    }
    return tokens;
  }

  private static String key(byte[] bytes) {
    return new String(bytes, StandardCharsets.ISO_8859_1);
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = new byte[a.length + b.length];
    System.arraycopy(a, 0, out, 0, a.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
