package dev.cohort.worker.bench;

import dev.cohort.wire.TensorChunks;
import java.util.List;
import java.util.Locale;

/**
 * What one transport benchmark run measures.
 *
 * @param payloadSizes tensor sizes in bytes, each measured on both paths
 * @param volumeBytes bytes sent per size and path (rounded up to whole tensors)
 * @param window Artery messages in flight at most, chunks counted one by one
 * @param chunkBytes tensors larger than this travel as {@code TensorChunk}s of this many bytes
 * @param warmupBytes bytes sent per size and path before measuring, so the JIT has compiled every path
 * @param repeats measurements per size and path, the paths taking turns; each path's median is reported, so that a
 *     burst of load on a shared machine skews one measurement, not the comparison
 */
public record TransportSettings(List<Integer> payloadSizes, long volumeBytes, int window, int chunkBytes,
    long warmupBytes, int repeats) {
  public static final int KIB = 1 << 10;
  public static final int MIB = 1 << 20;
  public static final List<Integer> DEFAULT_SIZES = List.of(64 * KIB, 256 * KIB, MIB, 4 * MIB, 16 * MIB);
  public static final long DEFAULT_VOLUME_BYTES = 256L * MIB;
  public static final int DEFAULT_WINDOW = 64;
  public static final int DEFAULT_CHUNK_BYTES = TensorChunks.DEFAULT_CHUNK_BYTES;
  public static final long DEFAULT_WARMUP_BYTES = 32L * MIB;
  public static final int DEFAULT_REPEATS = 3;

  /** Tensors are float32, so sizes must be whole elements. */
  private static final int ELEMENT_BYTES = Float.BYTES;

  public TransportSettings {
    if (payloadSizes == null || payloadSizes.isEmpty()) throw new IllegalArgumentException("sizes: none given");
    payloadSizes = List.copyOf(payloadSizes);
    for (int size : payloadSizes) {
      if (size <= 0 || size % ELEMENT_BYTES != 0) {
        throw new IllegalArgumentException("sizes: " + size + " bytes is not a positive multiple of "
            + ELEMENT_BYTES + " (float32 elements)");
      }
    }
    if (volumeBytes <= 0) throw new IllegalArgumentException("volume must be > 0 bytes, got " + volumeBytes);
    if (window <= 0) throw new IllegalArgumentException("window must be > 0 messages, got " + window);
    if (chunkBytes <= 0 || chunkBytes % ELEMENT_BYTES != 0) {
      throw new IllegalArgumentException("chunk size must be a positive multiple of " + ELEMENT_BYTES
          + " bytes, got " + chunkBytes);
    }
    if (warmupBytes < 0) throw new IllegalArgumentException("warm-up must be >= 0 bytes, got " + warmupBytes);
    if (repeats <= 0) throw new IllegalArgumentException("repeats must be > 0, got " + repeats);
  }

  public static TransportSettings defaults() {
    return new TransportSettings(DEFAULT_SIZES, DEFAULT_VOLUME_BYTES, DEFAULT_WINDOW, DEFAULT_CHUNK_BYTES,
        DEFAULT_WARMUP_BYTES, DEFAULT_REPEATS);
  }

  /** Whole tensors of {@code payloadBytes} needed to move at least {@code bytes}. */
  public static long tensorsFor(long bytes, int payloadBytes) {
    return (bytes + payloadBytes - 1) / payloadBytes;
  }

  /** Parses a size such as {@code 64k}, {@code 16m} (KiB, MiB) or {@code 4096} (bytes). */
  public static int parseSize(String text) {
    String s = text.strip().toLowerCase(Locale.ROOT);
    long unit = s.endsWith("k") ? KIB : s.endsWith("m") ? MIB : 1;
    String digits = unit == 1 ? s : s.substring(0, s.length() - 1);
    try {
      long bytes = Long.parseLong(digits) * unit;
      if (bytes <= 0 || bytes > Integer.MAX_VALUE) throw new NumberFormatException();
      return (int) bytes;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("size '" + text + "': expected a positive number of bytes with an"
          + " optional k or m suffix (e.g. 64k, 16m), below 2 GiB");
    }
  }
}
