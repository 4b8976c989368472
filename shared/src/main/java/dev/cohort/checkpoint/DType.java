package dev.cohort.checkpoint;

import ai.djl.ndarray.types.DataType;
import java.util.Arrays;
import java.util.Optional;

/** Element types a checkpoint tensor may hold; {@link #name()} is the safetensors dtype string ("F32", ...). */
public enum DType {
  F64(8, DataType.FLOAT64),
  F32(4, DataType.FLOAT32),
  F16(2, DataType.FLOAT16),
  I64(8, DataType.INT64),
  I32(4, DataType.INT32),
  /** Files only: DJL's PyTorch engine has no uint16, and creating one aborts the JVM (as bfloat16 does). */
  U16(2, null),
  /** Files only (Hugging Face exports): DJL 0.35's PyTorch engine has no bfloat16; widen to F32 on the host. */
  BF16(2, null),
  U8(1, DataType.UINT8);

  private final int byteSize;
  private final DataType djl;

  DType(int byteSize, DataType djl) {
    this.byteSize = byteSize;
    this.djl = djl;
  }

  /** Bytes per element. */
  public int byteSize() {
    return byteSize;
  }

  /** The DJL type of the same width and meaning, for the types DJL's PyTorch engine can hold. */
  public DataType toDjl() {
    if (djl == null) {
      throw new UnsupportedOperationException(this + " tensors cannot become NDArrays: DJL's PyTorch engine has no "
          + "such type (widen first: U16 to I32, BF16 to F32)");
    }
    return djl;
  }

  public static DType ofDjl(DataType type) {
    for (DType d : values()) {
      if (d.djl == type && d.djl != null) return d;
    }
    throw new IllegalArgumentException("DJL data type " + type + " has no checkpoint dtype; supported: "
        + Arrays.toString(values()));
  }

  /** The dtype a safetensors header names, empty when it is not one this code supports (e.g. F8_E5M2). */
  static Optional<DType> ofSafetensorsName(String name) {
    return Arrays.stream(values()).filter(d -> d.name().equals(name)).findFirst();
  }
}
