package dev.cohort.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.cohort.checkpoint.Safetensors;
import dev.cohort.tensor.DType;
import dev.cohort.tensor.HostTensor;
import dev.cohort.wire.TensorPayload;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Copies between the engine's arrays and host tensors (checkpoint files, wire payloads) keep type, shape and bits. */
class HostArraysTest {
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
    HostTensor host = HostArrays.toHost(original);
    assertEquals(DType.F32, host.dtype());
    assertArrayEquals(new long[] {2, 3}, host.shape());
    assertArrayEquals(original.toFloatArray(), host.toFloats());
    NDArray back = HostArrays.toArray(host, manager);
    assertEquals(DataType.FLOAT32, back.getDataType());
    assertEquals(new Shape(2, 3), back.getShape());
    assertArrayEquals(original.toFloatArray(), back.toFloatArray());
  }

  @Test
  void doubleAndLongNdArraysKeepTheirTypeAndValues() {
    double[] doubles = {0.1, -1e300, Double.MIN_VALUE};
    long[] longs = {Long.MIN_VALUE, -1, 1L << 40};
    HostTensor d = HostArrays.toHost(manager.create(doubles));
    HostTensor l = HostArrays.toHost(manager.create(longs));
    assertEquals(HostTensor.ofDoubles(new long[] {3}, doubles), d);
    assertEquals(HostTensor.ofLongs(new long[] {3}, longs), l);
    assertArrayEquals(doubles, HostArrays.toArray(d, manager).toDoubleArray());
    assertArrayEquals(longs, HostArrays.toArray(l, manager).toLongArray());
  }

  @ParameterizedTest
  @EnumSource(value = DType.class, names = {"U16", "BF16"}, mode = EnumSource.Mode.EXCLUDE)
  void everyDtypeRoundTripsThroughNdArrayBitForBit(DType dtype) {
    long[] shape = {3, 2};
    byte[] bytes = new byte[Math.toIntExact(HostTensor.byteSize(dtype, shape))];
    for (int i = 0; i < bytes.length; i++) bytes[i] = (byte) (i * 7 + 1);
    HostTensor original = new HostTensor(dtype, shape, ByteBuffer.wrap(bytes));
    NDArray array = HostArrays.toArray(original, manager);
    assertEquals(HostArrays.dataType(dtype), array.getDataType());
    assertEquals(original, HostArrays.toHost(array));
  }

  @ParameterizedTest
  @EnumSource(value = DType.class, names = {"U16", "BF16"})
  void fileOnlyTensorRefusesToBecomeAnNdArrayInsteadOfAbortingTheJvm(DType dtype) {
    HostTensor tensor = new HostTensor(dtype, new long[] {2}, ByteBuffer.allocate(4));
    UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
        () -> HostArrays.toArray(tensor, manager));
    assertTrue(e.getMessage().startsWith(dtype + " tensors cannot become NDArrays"), e.getMessage());
  }

  @Test
  void transposedNdArrayIsCopiedInLogicalRowMajorOrder() {
    NDArray transposed = manager.create(new float[] {1, 2, 3, 4, 5, 6}, new Shape(2, 3)).transpose();
    HostTensor host = HostArrays.toHost(transposed);
    assertArrayEquals(new long[] {3, 2}, host.shape());
    assertArrayEquals(new float[] {1, 4, 2, 5, 3, 6}, host.toFloats());
  }

  @Test
  void arrayMadeFromAMappedFileTensorIsIndependentOfTheFile(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("t.safetensors");
    Safetensors.write(file, Map.of("w", HostTensor.ofFloats(new long[] {2}, new float[] {1, 2})), Map.of());
    HostTensor mapped = Safetensors.read(file).tensor("w");
    NDArray array = HostArrays.toArray(mapped, manager);
    array.addi(10f);
    assertArrayEquals(new float[] {11, 12}, array.toFloatArray());
    assertArrayEquals(new float[] {1, 2}, Safetensors.read(file).tensor("w").toFloats());
  }

  @Test
  void ndArrayRoundTripKeepsValuesShapeAndLittleEndianBytes() {
    float[] values = {1.5f, -2f, 3.25f, 0f, 1e-7f, -1e7f};
    NDArray array = manager.create(values, new Shape(2, 3));

    TensorPayload tensor = HostArrays.toPayload(array);
    assertEquals(DType.F32, tensor.dtype());
    assertArrayEquals(new long[] {2, 3}, tensor.shape());
    assertEquals(-2f, ByteBuffer.wrap(tensor.data()).order(ByteOrder.LITTLE_ENDIAN).getFloat(Float.BYTES));

    NDArray back = HostArrays.toArray(tensor, manager);
    assertEquals(new Shape(2, 3), back.getShape());
    assertArrayEquals(values, back.toFloatArray());
  }

  @Test
  void integerNdArraysKeepTheirType() {
    long[] ids = {50256, 0, -3};
    TensorPayload tensor = HostArrays.toPayload(manager.create(ids));
    assertEquals(DType.I64, tensor.dtype());
    NDArray back = HostArrays.toArray(tensor, manager);
    assertEquals(DataType.INT64, back.getDataType());
    assertArrayEquals(ids, back.toLongArray());
  }
}
