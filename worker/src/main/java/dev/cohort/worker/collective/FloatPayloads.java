package dev.cohort.worker.collective;

import dev.cohort.tensor.DType;
import dev.cohort.wire.TensorPayload;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/** Moves float ranges into and out of F32 payloads in bulk (no per-element boxing or byte shuffling in Java). */
public final class FloatPayloads {
  private FloatPayloads() {}

  /** A one-dimensional F32 payload holding a copy of {@code source[offset, offset + length)}. */
  public static TensorPayload of(float[] source, int offset, int length) {
    byte[] bytes = new byte[length * Float.BYTES];
    littleEndianFloats(bytes).put(source, offset, length);
    return new TensorPayload(DType.F32, new long[] {length}, bytes);
  }

  /** The payload's elements as a new array, after checking it is F32 with {@code expectedLength} elements. */
  public static float[] read(TensorPayload payload, int expectedLength, Object whatForErrors) {
    if (payload.dtype() != DType.F32 || payload.data().length != expectedLength * Float.BYTES) {
      throw new IllegalStateException("expected F32[" + expectedLength + "] for " + whatForErrors + ", got " + payload);
    }
    float[] values = new float[expectedLength];
    littleEndianFloats(payload.data()).get(values);
    return values;
  }

  private static FloatBuffer littleEndianFloats(byte[] bytes) {
    return ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
  }
}
