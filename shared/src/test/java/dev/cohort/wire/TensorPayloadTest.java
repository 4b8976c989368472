package dev.cohort.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cohort.tensor.DType;
import org.junit.jupiter.api.Test;

class TensorPayloadTest {
  @Test
  void dataLengthMustMatchShapeAndDtype() {
    WireFormatException e = assertThrows(WireFormatException.class,
        () -> new TensorPayload(DType.I32, new long[] {2, 3}, new byte[20]));
    assertTrue(e.getMessage().contains("I32[2, 3] needs 24 bytes of data, got 20"), e.getMessage());
  }

  @Test
  void negativeOrOverflowingShapesAreRejected() {
    assertThrows(WireFormatException.class, () -> TensorPayload.byteSize(DType.F32, new long[] {4, -1}));
    WireFormatException e = assertThrows(WireFormatException.class,
        () -> TensorPayload.byteSize(DType.F64, new long[] {1L << 40, 1L << 40}));
    assertTrue(e.getMessage().contains("exceeds the maximum"), e.getMessage());
    assertThrows(WireFormatException.class, () -> TensorPayload.byteSize(DType.F32, new long[9]));
  }

  @Test
  void shapeIsCopiedSoTheCallerCannotInvalidateIt() {
    long[] shape = {2, 2};
    TensorPayload tensor = new TensorPayload(DType.F32, shape, new byte[16]);
    shape[0] = 1000;
    assertArrayEquals(new long[] {2, 2}, tensor.shape());
  }
}
