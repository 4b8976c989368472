package dev.cohort.wire;

import com.esotericsoftware.kryo.io.Input;

/**
 * Checks a length read off the wire against the bytes actually left in the message before anything is allocated,
 * so a corrupt or hostile length fails with a clear message instead of an OutOfMemoryError in the receiver.
 */
final class Bounds {
  private Bounds() {}

  /** Bytes left to read; our inputs always wrap one whole message (a byte array or Artery's frame buffer). */
  static long remaining(Input input) {
    return input.limit() - input.position();
  }

  /** Rejects a claim of {@code count} items of at least {@code minBytesEach} bytes that the message cannot hold. */
  static int requireAvailable(Input input, int count, int minBytesEach, String what) {
    if (count < 0) throw new WireFormatException(what + ": negative length " + count + " on the wire");
    long needed = (long) count * minBytesEach;
    if (needed > remaining(input)) {
      throw new WireFormatException(what + " claims " + count + " elements (" + needed + " bytes) but only "
          + remaining(input) + " bytes remain: truncated or corrupt message");
    }
    return count;
  }
}
