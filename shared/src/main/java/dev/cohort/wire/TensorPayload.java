package dev.cohort.wire;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.cohort.device.HostCopy;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
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
    long bytes = dtype.bytes();
    for (long dim : shape) {
      if (dim < 0) throw new WireFormatException("tensor shape " + Arrays.toString(shape) + " has a negative dimension");
      if (dim != 0 && bytes > MAX_BYTES / dim) throw tooLarge(dtype, shape);
      bytes *= dim;
    }
    if (bytes > MAX_BYTES) throw tooLarge(dtype, shape);
    return bytes;
  }

  private static WireFormatException tooLarge(DType dtype, long[] shape) {
    return new WireFormatException("tensor " + dtype + Arrays.toString(shape) + " exceeds the maximum of "
        + MAX_BYTES + " bytes");
  }

  /** Copies an NDArray's elements off the device into a payload. */
  public static TensorPayload of(NDArray array) {
    requireLittleEndianHost();
    DType dtype = DType.of(array.getDataType());
    ByteBuffer nativeBytes = HostCopy.bytes(array);
    byte[] data = new byte[nativeBytes.remaining()];
    nativeBytes.get(data);
    return new TensorPayload(dtype, array.getShape().getShape(), data);
  }

  /** A new NDArray owned by {@code manager} holding a copy of these elements. */
  public NDArray toNDArray(NDManager manager) {
    requireLittleEndianHost();
    ByteBuffer buffer = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
    return manager.create(buffer, new Shape(shape), dtype.djl());
  }

  /**
   * DJL hands out and takes in tensor bytes in the host's native order; the wire is little-endian. Every host we
   * run on (x86-64, AArch64) is little-endian, so the bytes are copied as they are and a big-endian host is refused
   * rather than silently transposing bytes.
   */
  private static void requireLittleEndianHost() {
    if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
      throw new UnsupportedOperationException("TensorPayload's wire format is little-endian; this host is "
          + ByteOrder.nativeOrder());
    }
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
