package dev.cohort.wire;

import dev.cohort.tensor.DType;
import java.util.Arrays;
import java.util.UUID;

/**
 * One slice of a {@link TensorPayload} too big for one Artery frame. Every chunk repeats the tensor's header
 * (dtype, shape, chunk size, count) so the receiver can check it and size the whole tensor from whichever chunk
 * arrives first. Chunk {@code index} holds bytes {@code [index * chunkBytes, index * chunkBytes + bytes.length)};
 * all chunks but the last are exactly {@code chunkBytes} long. A chunk that breaks these rules cannot be built,
 * nor deserialized (Kryo's RecordSerializer runs this constructor).
 */
public record TensorChunk(UUID transferId, int index, int count, int chunkBytes, DType dtype, long[] shape,
    byte[] bytes) {

  public TensorChunk {
    if (transferId == null || dtype == null || shape == null || bytes == null) {
      throw new WireFormatException("TensorChunk needs transferId, dtype, shape and bytes, got null");
    }
    if (chunkBytes <= 0) throw new WireFormatException("TensorChunk chunkBytes must be > 0, got " + chunkBytes);
    long total = TensorPayload.byteSize(dtype, shape);
    long expectedCount = chunkCount(total, chunkBytes);
    if (count != expectedCount) {
      throw new WireFormatException("TensorChunk count " + count + " does not match " + expectedCount
          + " chunks of " + chunkBytes + " bytes for " + total + " bytes");
    }
    if (index < 0 || index >= count) {
      throw new WireFormatException("TensorChunk index " + index + " outside [0, " + count + ")");
    }
    long expectedLength = Math.min(chunkBytes, total - (long) index * chunkBytes);
    if (bytes.length != expectedLength) {
      throw new WireFormatException("TensorChunk " + index + "/" + count + " must hold " + expectedLength
          + " bytes, got " + bytes.length);
    }
  }

  /** Chunks needed for {@code totalBytes}: an empty tensor still travels as one empty chunk. */
  static long chunkCount(long totalBytes, int chunkBytes) {
    return Math.max(1, (totalBytes + chunkBytes - 1) / chunkBytes);
  }

  /** Size of the whole tensor. */
  public long totalBytes() {
    return TensorPayload.byteSize(dtype, shape);
  }

  /** Where this chunk's bytes start in the whole tensor. */
  public long offset() {
    return (long) index * chunkBytes;
  }

  /** True when {@code other} belongs to the same tensor as described by this chunk's header. */
  boolean sameHeader(TensorChunk other) {
    return transferId.equals(other.transferId) && count == other.count && chunkBytes == other.chunkBytes
        && dtype == other.dtype && Arrays.equals(shape, other.shape);
  }

  @Override
  public String toString() {
    return "TensorChunk[" + transferId + " " + index + "/" + count + ", " + dtype + Arrays.toString(shape) + ", "
        + bytes.length + " bytes]";
  }
}
