package dev.cohort.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.ReadOnlyBufferException;
import org.junit.jupiter.api.Test;

class HostTensorTest {
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
}
