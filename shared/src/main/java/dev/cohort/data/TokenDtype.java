package dev.cohort.data;

/** How token ids are stored on disk: little-endian, the narrowest type that holds every id. */
public enum TokenDtype {
  UINT16("uint16", Short.BYTES),
  INT32("int32", Integer.BYTES);

  private static final int UINT16_VALUES = 1 << 16;

  private final String label;
  private final int bytes;

  TokenDtype(String label, int bytes) {
    this.label = label;
    this.bytes = bytes;
  }

  /** uint16 halves the file size whenever every id fits in it. */
  public static TokenDtype forVocab(int vocabSize) {
    return vocabSize <= UINT16_VALUES ? UINT16 : INT32;
  }

  public static TokenDtype fromLabel(String label) {
    for (TokenDtype d : values()) {
      if (d.label.equals(label)) return d;
    }
    throw new DataError("unknown token dtype '" + label + "': expected uint16 or int32");
  }

  /** The name written in index.json. */
  public String label() {
    return label;
  }

  public int bytes() {
    return bytes;
  }
}
