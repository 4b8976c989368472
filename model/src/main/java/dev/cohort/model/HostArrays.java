package dev.cohort.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.cohort.tensor.DType;
import dev.cohort.tensor.HostTensor;
import dev.cohort.tensor.TensorSource;
import dev.cohort.wire.TensorPayload;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Copies between the engine's arrays (on any device) and the host's tensors: checkpoint files and wire payloads.
 * The only place that maps {@link DType} to DJL's types, so nothing outside the model module needs the engine.
 */
public final class HostArrays {
  private HostArrays() {}

  /** The engine's type of the same width and meaning, for the types DJL's PyTorch engine can hold. */
  public static DataType dataType(DType dtype) {
    return switch (dtype) {
      case F64 -> DataType.FLOAT64;
      case F32 -> DataType.FLOAT32;
      case F16 -> DataType.FLOAT16;
      case I64 -> DataType.INT64;
      case I32 -> DataType.INT32;
      case U8 -> DataType.UINT8;
      case U16, BF16 -> throw new UnsupportedOperationException(dtype + " tensors cannot become NDArrays: DJL's "
          + "PyTorch engine has no such type (widen first: U16 to I32, BF16 to F32)");
    };
  }

  public static DType dtype(DataType type) {
    return Arrays.stream(DType.values()).filter(d -> d != DType.U16 && d != DType.BF16 && dataType(d) == type)
        .findFirst().orElseThrow(() -> new IllegalArgumentException("DJL data type " + type
            + " has no host dtype; supported: " + Arrays.toString(DType.values())));
  }

  /** Copies an array to the host (any device, contiguous or not). */
  public static HostTensor toHost(NDArray array) {
    requireLittleEndianHost();
    return new HostTensor(dtype(array.getDataType()), array.getShape().getShape(), hostBytes(array));
  }

  /**
   * The array as a checkpoint writer's source: its dtype and shape now, a host copy of its elements only when the
   * writer reaches it, so a checkpoint holds one tensor's copy at a time. The array must not change until then.
   */
  public static TensorSource source(NDArray array) {
    return new ArraySource(dtype(array.getDataType()), array);
  }

  private record ArraySource(DType dtype, NDArray array) implements TensorSource {
    @Override
    public long[] shape() {
      return array.getShape().getShape();
    }

    @Override
    public HostTensor read() {
      return toHost(array);
    }
  }

  /** A new array owning a copy of these elements (not for U16 or BF16, which the engine lacks). */
  public static NDArray toArray(HostTensor tensor, NDManager manager) {
    requireLittleEndianHost();
    DataType type = dataType(tensor.dtype());
    // PyTorch adopts a direct buffer without copying it. The data may be a read-only mapping of a checkpoint file,
    // which a tensor updated in place must never point into, so always hand over a fresh copy.
    ByteBuffer owned = manager.allocateDirect(Math.toIntExact(tensor.byteSize())).order(ByteOrder.LITTLE_ENDIAN);
    owned.put(tensor.data()).flip();
    return manager.create(owned, new Shape(tensor.shape()), type);
  }

  /** Copies an array's elements off the device into a payload for the wire. */
  public static TensorPayload toPayload(NDArray array) {
    requireLittleEndianHost();
    ByteBuffer nativeBytes = hostBytes(array);
    byte[] data = new byte[nativeBytes.remaining()];
    nativeBytes.get(data);
    return new TensorPayload(dtype(array.getDataType()), array.getShape().getShape(), data);
  }

  /** A new array owned by {@code manager} holding a copy of a payload's elements. */
  public static NDArray toArray(TensorPayload payload, NDManager manager) {
    requireLittleEndianHost();
    ByteBuffer buffer = ByteBuffer.wrap(payload.data()).order(ByteOrder.LITTLE_ENDIAN);
    return manager.create(buffer, new Shape(payload.shape()), dataType(payload.dtype()));
  }

  /**
   * The elements in a new heap buffer in native order, ours to keep after the array closes. DJL's toByteBuffer()
   * copies a GPU array to the CPU by itself but attaches that copy to the array's manager, where it stays until the
   * manager closes (a model's worth per checkpoint, when the manager is the parameters'): here the intermediate
   * copy is freed at once.
   */
  private static ByteBuffer hostBytes(NDArray array) {
    if (!array.getDevice().isGpu()) return array.toByteBuffer();
    try (NDArray host = array.toDevice(Device.cpu(), true)) {
      return host.toByteBuffer();
    }
  }

  /**
   * DJL hands out and takes in tensor bytes in the host's native order; files and the wire are little-endian. Every
   * host we run on (x86-64, AArch64) is little-endian, so bytes are copied as they are and a big-endian host is
   * refused rather than silently transposing bytes.
   */
  private static void requireLittleEndianHost() {
    if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
      throw new IllegalStateException("native byte order is " + ByteOrder.nativeOrder() + "; only little-endian "
          + "hosts are supported");
    }
  }
}
