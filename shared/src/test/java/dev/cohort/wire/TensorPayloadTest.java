package dev.cohort.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
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

  @Test
  void ndArrayRoundTripKeepsValuesShapeAndLittleEndianBytes() {
    try (NDManager manager = NDManager.newBaseManager()) {
      float[] values = {1.5f, -2f, 3.25f, 0f, 1e-7f, -1e7f};
      NDArray array = manager.create(values, new Shape(2, 3));

      TensorPayload tensor = TensorPayload.of(array);
      assertEquals(DType.F32, tensor.dtype());
      assertArrayEquals(new long[] {2, 3}, tensor.shape());
      assertEquals(-2f, ByteBuffer.wrap(tensor.data()).order(ByteOrder.LITTLE_ENDIAN).getFloat(Float.BYTES));

      NDArray back = tensor.toNDArray(manager);
      assertEquals(new Shape(2, 3), back.getShape());
      assertArrayEquals(values, back.toFloatArray());
    }
  }

  @Test
  void integerNdArraysKeepTheirType() {
    try (NDManager manager = NDManager.newBaseManager()) {
      long[] ids = {50256, 0, -3};
      TensorPayload tensor = TensorPayload.of(manager.create(ids));
      assertEquals(DType.I64, tensor.dtype());
      NDArray back = tensor.toNDArray(manager);
      assertEquals(DataType.INT64, back.getDataType());
      assertArrayEquals(ids, back.toLongArray());
    }
  }
}
