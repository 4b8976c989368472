package dev.cohort.checkpoint;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.cohort.device.HostCopy;
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
 * are. The buffer is held read-only and every accessor returns a fresh little-endian view, so a record can be shared
 * freely. Byte order is always explicit: Java defaults to big-endian, the format is little-endian.
 *
 * @param dtype element type
 * @param shape dimensions, outermost first; empty for a scalar
 * @param data the elements, exactly {@code elementCount() * dtype.byteSize()} bytes
 */
public record HostTensor(DType dtype, long[] shape, ByteBuffer data) {
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
  static long byteSize(DType dtype, long[] shape) {
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

  /** Copies an NDArray to the host (any device, contiguous or not). */
  public static HostTensor of(NDArray array) {
    requireLittleEndianHost();
    // toByteBuffer() copies the elements into a new heap buffer in native order: ours to keep after the array closes.
    return new HostTensor(DType.ofDjl(array.getDataType()), array.getShape().getShape(), HostCopy.bytes(array));
  }

  /** A new NDArray owning a copy of these elements (not for U16, which DJL's PyTorch engine lacks). */
  public NDArray toNDArray(NDManager manager) {
    requireLittleEndianHost();
    DataType type = dtype.toDjl();
    // PyTorch adopts a direct buffer without copying it. Our data may be a read-only mapping of a checkpoint file,
    // which a tensor updated in place must never point into, so always hand over a fresh copy.
    ByteBuffer owned = manager.allocateDirect(Math.toIntExact(byteSize())).order(ByteOrder.LITTLE_ENDIAN);
    owned.put(data()).flip();
    return manager.create(owned, new Shape(shape), type);
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

  /** DJL exchanges bytes in native order; this code assumes that order is the format's (true on x86 and ARM). */
  private static void requireLittleEndianHost() {
    if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
      throw new IllegalStateException("native byte order is " + ByteOrder.nativeOrder() + "; only little-endian "
          + "hosts are supported");
    }
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
