package dev.cohort.tensor;

import java.util.Arrays;
import java.util.Optional;

/**
 * The element types of every tensor that leaves the engine: in checkpoint files, Hugging Face exports and on the
 * wire. {@link #name()} is the safetensors dtype string ("F32", ...); {@link #wireCode()} is the byte a tensor frame
 * carries, so a code is never reused. The mapping to the engine's types lives beside the engine (HostArrays).
 */
public enum DType {
  F64(8, 2),
  F32(4, 1),
  F16(2, 5),
  /** DJL's PyTorch engine has no bfloat16: files only (Hugging Face exports), widened to F32 on the host. */
  BF16(2, 6),
  I64(8, 4),
  I32(4, 3),
  /** DJL's PyTorch engine has no uint16, and creating one aborts the JVM: files only (token files). */
  U16(2, 7),
  U8(1, 8);

  private final int byteSize;
  private final int wireCode;

  DType(int byteSize, int wireCode) {
    this.byteSize = byteSize;
    this.wireCode = wireCode;
  }

  /** Bytes per element. */
  public int byteSize() {
    return byteSize;
  }

  /** The byte that names this type in a tensor frame. */
  public int wireCode() {
    return wireCode;
  }

  /** The type a tensor frame names, empty for a code no build has used. */
  public static Optional<DType> ofWireCode(int code) {
    return Arrays.stream(values()).filter(d -> d.wireCode == code).findFirst();
  }

  /** The dtype a safetensors header names, empty when it is not one this code supports (e.g. F8_E5M2). */
  public static Optional<DType> ofSafetensorsName(String name) {
    return Arrays.stream(values()).filter(d -> d.name().equals(name)).findFirst();
  }
}
