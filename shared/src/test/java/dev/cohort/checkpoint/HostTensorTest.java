package dev.cohort.checkpoint;

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
import java.nio.ReadOnlyBufferException;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class HostTensorTest {
  private static NDManager manager;

  @BeforeAll
  static void openManager() {
    manager = NDManager.newBaseManager("PyTorch");
  }

  @AfterAll
  static void closeManager() {
    manager.close();
  }

  @Test
  void floatNdArrayRoundTripsThroughHostTensor() {
    NDArray original = manager.create(new float[] {1.5f, -2f, 3.25f, Float.MIN_VALUE, Float.NaN, 7f}, new Shape(2, 3));
    HostTensor host = HostTensor.of(original);
    assertEquals(DType.F32, host.dtype());
    assertArrayEquals(new long[] {2, 3}, host.shape());
    assertArrayEquals(original.toFloatArray(), host.toFloats());
    NDArray back = host.toNDArray(manager);
    assertEquals(DataType.FLOAT32, back.getDataType());
    assertEquals(new Shape(2, 3), back.getShape());
    assertArrayEquals(original.toFloatArray(), back.toFloatArray());
  }

  @Test
  void doubleAndLongNdArraysKeepTheirTypeAndValues() {
    double[] doubles = {0.1, -1e300, Double.MIN_VALUE};
    long[] longs = {Long.MIN_VALUE, -1, 1L << 40};
    HostTensor d = HostTensor.of(manager.create(doubles));
    HostTensor l = HostTensor.of(manager.create(longs));
    assertEquals(HostTensor.ofDoubles(new long[] {3}, doubles), d);
    assertEquals(HostTensor.ofLongs(new long[] {3}, longs), l);
    assertArrayEquals(doubles, d.toNDArray(manager).toDoubleArray());
    assertArrayEquals(longs, l.toNDArray(manager).toLongArray());
  }

  @ParameterizedTest
  @EnumSource(value = DType.class, names = {"U16", "BF16"}, mode = EnumSource.Mode.EXCLUDE)
  void everyDtypeRoundTripsThroughNdArrayBitForBit(DType dtype) {
    long[] shape = {3, 2};
    byte[] bytes = new byte[Math.toIntExact(HostTensor.byteSize(dtype, shape))];
    for (int i = 0; i < bytes.length; i++) bytes[i] = (byte) (i * 7 + 1);
    HostTensor original = new HostTensor(dtype, shape, ByteBuffer.wrap(bytes));
    NDArray array = original.toNDArray(manager);
    assertEquals(dtype.toDjl(), array.getDataType());
    assertEquals(original, HostTensor.of(array));
  }

  @ParameterizedTest
  @EnumSource(value = DType.class, names = {"U16", "BF16"})
  void fileOnlyTensorRefusesToBecomeAnNdArrayInsteadOfAbortingTheJvm(DType dtype) {
    HostTensor tensor = new HostTensor(dtype, new long[] {2}, ByteBuffer.allocate(4));
    UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
        () -> tensor.toNDArray(manager));
    assertTrue(e.getMessage().startsWith(dtype + " tensors cannot become NDArrays"), e.getMessage());
  }

  @Test
  void transposedNdArrayIsCopiedInLogicalRowMajorOrder() {
    NDArray transposed = manager.create(new float[] {1, 2, 3, 4, 5, 6}, new Shape(2, 3)).transpose();
    HostTensor host = HostTensor.of(transposed);
    assertArrayEquals(new long[] {3, 2}, host.shape());
    assertArrayEquals(new float[] {1, 4, 2, 5, 3, 6}, host.toFloats());
  }

  @Test
  void bytesAreLittleEndian() {
    HostTensor one = HostTensor.ofFloats(new long[] {1}, new float[] {1f});
    ByteBuffer bytes = one.data();
    assertEquals(ByteOrder.LITTLE_ENDIAN, bytes.order());
    byte[] raw = new byte[4];
    bytes.get(raw);
    assertArrayEquals(new byte[] {0, 0, (byte) 0x80, 0x3f}, raw);
  }

  @Test
  void bigEndianInputBufferIsReadAsRawBytes() {
    ByteBuffer bigEndian = ByteBuffer.allocate(4).order(ByteOrder.BIG_ENDIAN);
    bigEndian.put(new byte[] {0, 0, (byte) 0x80, 0x3f}).flip();
    assertArrayEquals(new float[] {1f}, new HostTensor(DType.F32, new long[] {1}, bigEndian).toFloats());
  }

  @Test
  void dataCannotBeChangedThroughTheTensor() {
    HostTensor t = HostTensor.ofFloats(new long[] {2}, new float[] {1, 2});
    assertThrows(ReadOnlyBufferException.class, () -> t.data().putFloat(0, 9f));
    long[] shape = t.shape();
    shape[0] = 7;
    assertArrayEquals(new long[] {2}, t.shape());
  }

  @Test
  void dataOfTheWrongLengthIsRejected() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new HostTensor(DType.F32, new long[] {2, 2}, ByteBuffer.allocate(12)));
    assertTrue(e.getMessage().contains("12 bytes") && e.getMessage().contains("needs 16"), e.getMessage());
  }

  @Test
  void readingElementsAsAnotherTypeFails() {
    HostTensor d = HostTensor.ofDoubles(new long[] {1}, new double[] {1});
    IllegalStateException e = assertThrows(IllegalStateException.class, d::toFloats);
    assertEquals("tensor is F64, not F32", e.getMessage());
  }

  @Test
  void arrayMadeFromAMappedFileTensorIsIndependentOfTheFile(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("t.safetensors");
    Safetensors.write(file, Map.of("w", HostTensor.ofFloats(new long[] {2}, new float[] {1, 2})), Map.of());
    HostTensor mapped = Safetensors.read(file).tensor("w");
    NDArray array = mapped.toNDArray(manager);
    array.addi(10f);
    assertArrayEquals(new float[] {11, 12}, array.toFloatArray());
    assertArrayEquals(new float[] {1, 2}, Safetensors.read(file).tensor("w").toFloats());
  }
}
