package dev.cohort.data;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.IntBuffer;
import java.nio.MappedByteBuffer;
import java.nio.ShortBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A read-only, memory-mapped view of a token file (little-endian uint16 or int32 ids).
 *
 * <p>One MappedByteBuffer cannot exceed 2 GiB, so the file is mapped in segments of a fixed whole number of
 * tokens; a read that crosses a segment boundary is split. Reads use absolute positions only, so one
 * TokenFile may be shared by several threads.
 */
public final class TokenFile {
  /** 1 GiB: a multiple of every token width, so no token straddles two segments. */
  static final long DEFAULT_SEGMENT_BYTES = 1L << 30;

  private final Path path;
  private final TokenDtype dtype;
  private final long size;
  private final long tokensPerSegment;
  private final ShortBuffer[] shortSegments;
  private final IntBuffer[] intSegments;

  private TokenFile(Path path, TokenDtype dtype, long segmentBytes) throws IOException {
    this.path = path;
    this.dtype = dtype;
    this.tokensPerSegment = segmentBytes / dtype.bytes();
    try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
      long bytes = channel.size();
      if (bytes % dtype.bytes() != 0) {
        throw new DataError("token file " + path + " has " + bytes + " bytes, not a whole number of "
            + dtype.label() + " tokens");
      }
      this.size = bytes / dtype.bytes();
      int segments = (int) ((size + tokensPerSegment - 1) / tokensPerSegment);
      this.shortSegments = dtype == TokenDtype.UINT16 ? new ShortBuffer[segments] : null;
      this.intSegments = dtype == TokenDtype.INT32 ? new IntBuffer[segments] : null;
      for (int s = 0; s < segments; s++) {
        long start = s * tokensPerSegment;
        long tokens = Math.min(tokensPerSegment, size - start);
        MappedByteBuffer mapped = channel.map(
            FileChannel.MapMode.READ_ONLY, start * dtype.bytes(), tokens * dtype.bytes());
        ByteBuffer little = mapped.order(ByteOrder.LITTLE_ENDIAN);
        if (shortSegments != null) shortSegments[s] = little.asShortBuffer();
        else intSegments[s] = little.asIntBuffer();
      }
    }
  }

  /** Maps {@code path}, whose ids are stored as {@code dtype}. */
  public static TokenFile open(Path path, TokenDtype dtype) {
    return open(path, dtype, DEFAULT_SEGMENT_BYTES);
  }

  /** As {@link #open(Path, TokenDtype)} with a chosen segment size, so tests can cross segment edges cheaply. */
  static TokenFile open(Path path, TokenDtype dtype, long segmentBytes) {
    if (segmentBytes <= 0 || segmentBytes % Integer.BYTES != 0 || segmentBytes > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("segment size must be a positive multiple of 4 below 2 GiB");
    }
    if (!Files.isRegularFile(path)) throw new DataError("token file not found: " + path);
    try {
      return new TokenFile(path, dtype, segmentBytes);
    } catch (IOException e) {
      throw new DataError("cannot map token file " + path + ": " + e.getMessage(), e);
    }
  }

  /** Number of tokens in the file. */
  public long size() {
    return size;
  }

  public TokenDtype dtype() {
    return dtype;
  }

  public Path path() {
    return path;
  }

  /** The token at index {@code i}. */
  public int get(long i) {
    checkRange(i, 1);
    int segment = (int) (i / tokensPerSegment);
    int within = (int) (i % tokensPerSegment);
    return shortSegments != null
        ? Short.toUnsignedInt(shortSegments[segment].get(within))
        : intSegments[segment].get(within);
  }

  /** Fills {@code dst} with the tokens starting at {@code offset}. */
  public void read(long offset, int[] dst) {
    checkRange(offset, dst.length);
    int done = 0;
    while (done < dst.length) {
      long i = offset + done;
      int segment = (int) (i / tokensPerSegment);
      int within = (int) (i % tokensPerSegment);
      int n = (int) Math.min(dst.length - done, tokensPerSegment - within);
      if (shortSegments != null) readUnsignedShorts(shortSegments[segment], within, dst, done, n);
      else intSegments[segment].get(within, dst, done, n);
      done += n;
    }
  }

  private static void readUnsignedShorts(ShortBuffer src, int from, int[] dst, int at, int n) {
    for (int k = 0; k < n; k++) dst[at + k] = Short.toUnsignedInt(src.get(from + k));
  }

  private void checkRange(long offset, long length) {
    if (offset < 0 || length < 0 || offset + length > size) {
      throw new IndexOutOfBoundsException("tokens [" + offset + ", " + (offset + length) + ") outside "
          + path + " of " + size + " tokens");
    }
  }
}
