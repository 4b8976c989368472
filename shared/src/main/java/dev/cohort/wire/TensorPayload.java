package dev.cohort.wire;

import dev.cohort.tensor.DType;
import java.util.Arrays;

/**
 * A dense tensor as it travels between nodes: element type, shape and the elements as little-endian bytes in
 * row-major order. Every instance is valid (checked here, so also after deserialization): the shape's element
 * count times the dtype size equals {@code data.length}, and that size is at most {@link #MAX_BYTES}.
 *
 * <p>{@code data} is not copied: whoever builds a payload hands its bytes over and must not change them.
 */
public record TensorPayload(DType dtype, long[] shape, byte[] data) {
  /** Largest tensor accepted, whole or reassembled from chunks: bounds any allocation a peer can make us do. */
  public static final long MAX_BYTES = 1L << 30;

  /** Highest rank accepted; our tensors have at most 4 dimensions (batch, heads, sequence, features). */
  public static final int MAX_RANK = 8;

  public TensorPayload {
    if (dtype == null || shape == null || data == null) {
      throw new WireFormatException("TensorPayload needs dtype, shape and data, got null");
    }
    shape = shape.clone();
    long expected = byteSize(dtype, shape);
    if (data.length != expected) {
      throw new WireFormatException("TensorPayload " + dtype + Arrays.toString(shape) + " needs " + expected
          + " bytes of data, got " + data.length);
    }
  }

  /**
   * Bytes a tensor of this dtype and shape occupies, checked for negative dimensions, rank, overflow and
   * {@link #MAX_BYTES}, so callers can validate a claimed shape before allocating anything.
   */
  public static long byteSize(DType dtype, long[] shape) {
    if (shape.length > MAX_RANK) {
      throw new WireFormatException("tensor rank " + shape.length + " exceeds the maximum " + MAX_RANK);
    }
    long bytes = dtype.byteSize();
    for (long dim : shape) {
      if (dim < 0) throw new WireFormatException("tensor shape " + Arrays.toString(shape) + " has a negative dimension");
      if (dim != 0 && bytes > MAX_BYTES / dim) throw tooLarge(dtype, shape);
      bytes *= dim;
    }
    if (bytes > MAX_BYTES) throw tooLarge(dtype, shape);
    return bytes;
  }

  /** The element type a frame's code names; a code no build has used is rejected. */
  public static DType dtypeOfWireCode(int code) {
    return DType.ofWireCode(code)
        .orElseThrow(() -> new WireFormatException("unknown tensor dtype code " + code + " on the wire"));
  }

  private static WireFormatException tooLarge(DType dtype, long[] shape) {
    return new WireFormatException("tensor " + dtype + Arrays.toString(shape) + " exceeds the maximum of "
        + MAX_BYTES + " bytes");
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TensorPayload p && dtype == p.dtype && Arrays.equals(shape, p.shape)
        && Arrays.equals(data, p.data);
  }

  @Override
  public int hashCode() {
    return 31 * (31 * dtype.hashCode() + Arrays.hashCode(shape)) + Arrays.hashCode(data);
  }

  @Override
  public String toString() {
    return "TensorPayload[" + dtype + Arrays.toString(shape) + ", " + data.length + " bytes]";
  }
}
