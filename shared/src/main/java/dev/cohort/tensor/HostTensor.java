package dev.cohort.tensor;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Objects;

/**
 * A dense tensor in host memory: dtype, shape and its elements as little-endian bytes in row-major order, exactly as
 * a safetensors file stores them.
 *
 * <p>The bytes are a {@link ByteBuffer} rather than a {@code byte[]} so that a tensor read from a file can be a
 * read-only view of a memory-mapped region (no copy on the heap), and so that DJL's buffers pass through as they
 * are (the copies to and from the engine are in the model module's HostArrays). The buffer is held read-only and
 * every accessor returns a fresh little-endian view, so a record can be shared
 * freely. Byte order is always explicit: Java defaults to big-endian, the format is little-endian.
 *
 * @param dtype element type
 * @param shape dimensions, outermost first; empty for a scalar
 * @param data the elements, exactly {@code elementCount() * dtype.byteSize()} bytes
 */
public record HostTensor(DType dtype, long[] shape, ByteBuffer data) implements TensorSource {
  public HostTensor {
    Objects.requireNonNull(dtype, "dtype");
    shape = shape.clone();
    long needed = byteSize(dtype, shape);
    if (data.remaining() != needed) {
      throw new IllegalArgumentException("tensor data has " + data.remaining() + " bytes but " + dtype + " "
          + Arrays.toString(shape) + " needs " + needed);
    }
    data = data.slice().asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
  }

  /** Bytes needed by a tensor of this dtype and shape; a negative dimension or an overflow is rejected. */
  public static long byteSize(DType dtype, long[] shape) {
    long count = 1;
    for (long dim : shape) {
      if (dim < 0) throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
      count = Math.multiplyExact(count, dim);
    }
    return Math.multiplyExact(count, (long) dtype.byteSize());
  }

  @Override
  public long[] shape() {
    return shape.clone();
  }

  /** Itself: its bytes are already on the host. */
  @Override
  public HostTensor read() {
    return this;
  }

  /** A read-only little-endian view of the elements, positioned at 0. */
  @Override
  public ByteBuffer data() {
    return data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
  }

  public long elementCount() {
    return byteSize() / dtype.byteSize();
  }

  public long byteSize() {
    return data.capacity();
  }

  public static HostTensor ofFloats(long[] shape, float[] values) {
    ByteBuffer bytes = allocate(values.length, DType.F32);
    bytes.asFloatBuffer().put(values);
    return new HostTensor(DType.F32, shape, bytes);
  }

  public float[] toFloats() {
    float[] out = new float[elementsAs(DType.F32)];
    data().asFloatBuffer().get(out);
    return out;
  }

  public static HostTensor ofDoubles(long[] shape, double[] values) {
    ByteBuffer bytes = allocate(values.length, DType.F64);
    bytes.asDoubleBuffer().put(values);
    return new HostTensor(DType.F64, shape, bytes);
  }

  public double[] toDoubles() {
    double[] out = new double[elementsAs(DType.F64)];
    data().asDoubleBuffer().get(out);
    return out;
  }

  public static HostTensor ofLongs(long[] shape, long[] values) {
    ByteBuffer bytes = allocate(values.length, DType.I64);
    bytes.asLongBuffer().put(values);
    return new HostTensor(DType.I64, shape, bytes);
  }

  public long[] toLongs() {
    long[] out = new long[elementsAs(DType.I64)];
    data().asLongBuffer().get(out);
    return out;
  }

  private static ByteBuffer allocate(int elements, DType dtype) {
    return ByteBuffer.allocate(Math.multiplyExact(elements, dtype.byteSize())).order(ByteOrder.LITTLE_ENDIAN);
  }

  private int elementsAs(DType wanted) {
    if (dtype != wanted) throw new IllegalStateException("tensor is " + dtype + ", not " + wanted);
    return Math.toIntExact(elementCount());
  }

  /** Equal when dtype, shape and every byte are equal. */
  @Override
  public boolean equals(Object o) {
    return o instanceof HostTensor t && dtype == t.dtype && Arrays.equals(shape, t.shape) && data.equals(t.data);
  }

  @Override
  public int hashCode() {
    return Objects.hash(dtype, Arrays.hashCode(shape), data);
  }

  @Override
  public String toString() {
    return "HostTensor[" + dtype + " " + Arrays.toString(shape) + ", " + byteSize() + " bytes]";
  }
}
