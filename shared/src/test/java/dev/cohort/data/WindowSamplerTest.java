package dev.cohort.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WindowSamplerTest {
  private static final int SEQ_LEN = 8;
  /** 1000 tokens whose value is their position: a window's first token says where it starts. */
  private static final int TOKENS = 1000;

  @TempDir Path dir;
  private TokenFile tokens;

  @BeforeEach
  void writeCountingTokens() throws IOException {
    ByteBuffer buf = ByteBuffer.allocate(TOKENS * Integer.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < TOKENS; i++) buf.putInt(i);
    tokens = TokenFile.open(Files.write(dir.resolve("t.bin"), buf.array()), TokenDtype.INT32);
  }

  @Test
  void windowsAreNonOverlappingAndLeaveRoomForTheShiftedTarget() {
    WindowSampler sampler = new WindowSampler(tokens, SEQ_LEN, 1);
    assertEquals((TOKENS - 1) / SEQ_LEN, sampler.numWindows());
    for (long g = 0; g < 3 * sampler.numWindows(); g++) {
      int[] window = sampler.window(g);
      assertEquals(SEQ_LEN + 1, window.length);
      long start = sampler.windowIndex(g) * SEQ_LEN;
      assertEquals(start, window[0]);
      assertEquals(start + SEQ_LEN, window[SEQ_LEN], "last target is the token after the inputs");
      assertTrue(window[SEQ_LEN] < TOKENS);
    }
  }

  @Test
  void eachEpochVisitsEveryWindowExactlyOnce() {
    WindowSampler sampler = new WindowSampler(tokens, SEQ_LEN, 1);
    long w = sampler.numWindows();
    for (int epoch = 0; epoch < 3; epoch++) {
      BitSet seen = new BitSet();
      for (long g = epoch * w; g < (epoch + 1) * w; g++) seen.set((int) sampler.windowIndex(g));
      assertEquals(w, seen.cardinality(), "epoch " + epoch);
    }
  }

  @Test
  void epochsAreShuffledDifferently() {
    WindowSampler sampler = new WindowSampler(tokens, SEQ_LEN, 1);
    long w = sampler.numWindows();
    assertNotEquals(order(sampler, 0, w), order(sampler, w, w));
  }

  @Test
  void theSameSampleIndexGivesTheSameWindowInAnotherSampler() {
    WindowSampler first = new WindowSampler(tokens, SEQ_LEN, 1);
    WindowSampler second = new WindowSampler(TokenFile.open(tokens.path(), TokenDtype.INT32), SEQ_LEN, 1);
    for (long g : new long[] {0, 1, 123, 124, 5_000, 1_000_000_007L}) {
      assertArrayEquals(first.window(g), second.window(g), "g=" + g);
    }
  }

  @Test
  void differentSeedsGiveDifferentOrders() {
    long w = new WindowSampler(tokens, SEQ_LEN, 1).numWindows();
    assertNotEquals(order(new WindowSampler(tokens, SEQ_LEN, 1), 0, w),
        order(new WindowSampler(tokens, SEQ_LEN, 2), 0, w));
  }

  @Test
  void aFileTooShortForOneWindowIsRejected() throws IOException {
    Path path = Files.write(dir.resolve("short.bin"), new byte[SEQ_LEN * Short.BYTES]);
    TokenFile shortFile = TokenFile.open(path, TokenDtype.UINT16);
    DataError e = assertThrows(DataError.class, () -> new WindowSampler(shortFile, SEQ_LEN, 1));
    assertEquals("token file " + path + " has 8 tokens, too few for one window of seq-len 8 (needs 9)", e.getMessage());
  }

  @Test
  void sampleIndexLaysOutStepsThenMicroBatchesThenRows() {
    // global batch 12 = 3 micro-batches of 4 rows
    assertEquals(0, WindowSampler.sampleIndex(0, 0, 0, 4, 12));
    assertEquals(7, WindowSampler.sampleIndex(0, 1, 3, 4, 12));
    assertEquals(12 * 5 + 8 + 2, WindowSampler.sampleIndex(5, 2, 2, 4, 12));
    assertThrows(IllegalArgumentException.class, () -> WindowSampler.sampleIndex(0, 3, 0, 4, 12));
    assertThrows(IllegalArgumentException.class, () -> WindowSampler.sampleIndex(0, 0, 4, 4, 12));
  }

  private static List<Long> order(WindowSampler sampler, long from, long count) {
    List<Long> order = new ArrayList<>();
    for (long g = from; g < from + count; g++) order.add(sampler.windowIndex(g));
    return order;
  }
}
