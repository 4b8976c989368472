package dev.cohort.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenFileTest {
  @TempDir Path dir;

  @Test
  void uint16IdsAboveShortMaxReadBackUnsigned() throws IOException {
    int[] ids = {0, 1, 40_000, 50_256, 65_535};
    TokenFile file = TokenFile.open(write("u16.bin", TokenDtype.UINT16, ids), TokenDtype.UINT16);
    assertEquals(ids.length, file.size());
    assertEquals(65_535, file.get(4));
    int[] all = new int[ids.length];
    file.read(0, all);
    assertArrayEquals(ids, all);
  }

  @Test
  void bulkReadsCrossSegmentBoundariesForBothWidths() throws IOException {
    int[] ids = IntStream.range(0, 1000).map(i -> i * 97 % 50_000).toArray();
    for (TokenDtype dtype : TokenDtype.values()) {
      // 64-byte segments: a boundary every 32 uint16 or 16 int32 tokens.
      TokenFile file = TokenFile.open(write(dtype.label() + ".bin", dtype, ids), dtype, 64);
      int[] window = new int[129];
      file.read(101, window);
      assertArrayEquals(Arrays.copyOfRange(ids, 101, 230), window, dtype.label());
      for (int i = 0; i < ids.length; i++) assertEquals(ids[i], file.get(i), dtype.label() + " @" + i);
    }
  }

  @Test
  void readsBeyondTwoGibibytesInASparseFile() throws IOException {
    Path path = dir.resolve("big.bin");
    long tokens = (5L << 30) / 2 / Integer.BYTES; // 2.5 GiB of int32
    try (RandomAccessFile raf = new RandomAccessFile(path.toFile(), "rw")) {
      raf.setLength(tokens * Integer.BYTES); // sparse: no disk used for the holes
    }
    long straddle = (1L << 31) / Integer.BYTES - 2; // two tokens before the 2 GiB mark
    int[] marks = {11, 22, 33, 44};
    try (FileChannel ch = FileChannel.open(path, StandardOpenOption.WRITE)) {
      ByteBuffer buf = ByteBuffer.allocate(marks.length * Integer.BYTES).order(ByteOrder.LITTLE_ENDIAN);
      for (int m : marks) buf.putInt(m);
      ch.write(buf.flip(), straddle * Integer.BYTES);
      ch.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(99).flip(), (tokens - 1) * 4);
    }
    TokenFile file = TokenFile.open(path, TokenDtype.INT32);
    assertEquals(tokens, file.size());
    int[] got = new int[marks.length];
    file.read(straddle, got);
    assertArrayEquals(marks, got);
    assertEquals(99, file.get(tokens - 1));
  }

  @Test
  void readsOutsideTheFileAreRejected() throws IOException {
    TokenFile file = TokenFile.open(write("small.bin", TokenDtype.UINT16, new int[] {1, 2, 3}), TokenDtype.UINT16);
    assertThrows(IndexOutOfBoundsException.class, () -> file.get(3));
    assertThrows(IndexOutOfBoundsException.class, () -> file.read(2, new int[2]));
  }

  @Test
  void aFileWithAPartialTokenIsRejected() throws IOException {
    Path path = Files.write(dir.resolve("odd.bin"), new byte[] {1, 2, 3});
    DataError e = assertThrows(DataError.class, () -> TokenFile.open(path, TokenDtype.UINT16));
    assertEquals("token file " + path + " has 3 bytes, not a whole number of uint16 tokens", e.getMessage());
  }

  private Path write(String name, TokenDtype dtype, int[] ids) throws IOException {
    ByteBuffer buf = ByteBuffer.allocate(ids.length * dtype.bytes()).order(ByteOrder.LITTLE_ENDIAN);
    for (int id : ids) {
      if (dtype == TokenDtype.UINT16) buf.putShort((short) id);
      else buf.putInt(id);
    }
    return Files.write(dir.resolve(name), buf.array());
  }
}
