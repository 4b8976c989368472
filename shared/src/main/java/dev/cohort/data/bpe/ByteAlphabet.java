package dev.cohort.data.bpe;

import java.nio.charset.StandardCharsets;

/**
 * GPT-2's bytes_to_unicode: how byte-level BPE writes tokens as text in vocab.json, merges.txt and tokenizer.json.
 * Printable bytes stand for themselves, the other 68 map to code points from 256 on, so every token is a printable
 * string (the space byte is 'Ġ', U+0120).
 */
public final class ByteAlphabet {
  private static final int BYTES = 256;
  private static final String[] ALPHABET = build();

  private ByteAlphabet() {}

  private static String[] build() {
    String[] alphabet = new String[BYTES];
    int next = BYTES;
    for (int b = 0; b < BYTES; b++) {
      boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
      alphabet[b] = new String(Character.toChars(printable ? b : next++));
    }
    return alphabet;
  }

  /** The printable string of a token's bytes. */
  public static String printable(byte[] token) {
    StringBuilder out = new StringBuilder();
    for (byte b : token) out.append(ALPHABET[b & 0xff]);
    return out.toString();
  }

  /** A byte string as a hash key: ISO-8859-1 maps each byte to one char, so equal bytes give equal keys. */
  static String key(byte[] bytes) {
    return new String(bytes, StandardCharsets.ISO_8859_1);
  }
}
