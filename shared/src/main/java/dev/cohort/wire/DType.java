package dev.cohort.wire;

import ai.djl.ndarray.types.DataType;

/** Element types a {@link TensorPayload} carries; {@link #code} is the byte on the wire, so never reuse one. */
public enum DType {
  F32(1, Float.BYTES, DataType.FLOAT32),
  F64(2, Double.BYTES, DataType.FLOAT64),
  I32(3, Integer.BYTES, DataType.INT32),
  I64(4, Long.BYTES, DataType.INT64);

  private final int code;
  private final int bytes;
  private final DataType djl;

  DType(int code, int bytes, DataType djl) {
    this.code = code;
    this.bytes = bytes;
    this.djl = djl;
  }

  public int code() {
    return code;
  }

  /** Size of one element in bytes. */
  public int bytes() {
    return bytes;
  }

  public DataType djl() {
    return djl;
  }

  public static DType of(DataType djlType) {
    for (DType t : values()) if (t.djl == djlType) return t;
    throw new WireFormatException("tensor dtype " + djlType + " cannot be sent: supported are F32, F64, I32, I64");
  }

  public static DType ofCode(int code) {
    for (DType t : values()) if (t.code == code) return t;
    throw new WireFormatException("unknown tensor dtype code " + code + " on the wire");
  }
}
