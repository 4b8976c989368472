package dev.cohort.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.io.Output;
import dev.cohort.tensor.DType;
import dev.cohort.wire.TestWire.Envelope;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.serialization.SerializationExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Bytes no honest node writes, handed to the serializer as Artery would: each is rejected with one
 * WireFormatException naming the problem, before anything is allocated from the claimed sizes.
 */
class HostileBytesTest {
  private static ActorTestKit kit;
  private static KryoSerializer kryo;

  @BeforeAll
  static void start() {
    kit = ActorTestKit.create("hostile-bytes-test", TestWire.nodeConfig(TestWire.TestKryoSerializer.class));
    kryo = (KryoSerializer) SerializationExtension.get(kit.system())
        .findSerializerFor(new Envelope("anything"));
  }

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  private static String rejection(byte[] bytes, Class<?> type) {
    return assertThrows(WireFormatException.class, () -> kryo.fromBinary(bytes, type.getName())).getMessage();
  }

  /** A tensor header as TensorPayloadSerializer writes it, followed by {@code dataBytes} zero bytes. */
  private static byte[] tensorBytes(int dtypeCode, long[] shape, int dataBytes) {
    Output out = new Output(64, -1);
    out.writeByte(dtypeCode);
    out.writeVarInt(shape.length, true);
    for (long dim : shape) out.writeVarLong(dim, true);
    out.writeBytes(new byte[dataBytes]);
    return out.toBytes();
  }

  @Test
  void tensorWithANegativeDimensionIsRejected() {
    String message = rejection(tensorBytes(DType.F32.wireCode(), new long[] {-4, 4}, 64), TensorPayload.class);
    assertTrue(message.contains("negative dimension"), message);
  }

  @Test
  void tensorWhoseDimensionsOverflowALongIsRejected() {
    String message = rejection(tensorBytes(DType.F32.wireCode(), new long[] {1L << 40, 1L << 40, 1L << 40}, 16),
        TensorPayload.class);
    assertTrue(message.contains("exceeds the maximum of " + TensorPayload.MAX_BYTES), message);
  }

  @Test
  void tensorOfRankBeyondTheMaximumIsRejected() {
    String message = rejection(tensorBytes(DType.F32.wireCode(), new long[TensorPayload.MAX_RANK + 1], 0),
        TensorPayload.class);
    assertTrue(message.contains("rank " + (TensorPayload.MAX_RANK + 1)), message);
  }

  @Test
  void tensorOfAnUnknownDtypeIsRejected() {
    String message = rejection(tensorBytes(99, new long[] {2}, 8), TensorPayload.class);
    assertTrue(message.contains("unknown tensor dtype code 99"), message);
  }

  @Test
  void tensorWhoseDtypeNeedsMoreBytesThanSentIsRejected() {
    String message = rejection(tensorBytes(DType.F64.wireCode(), new long[] {4}, 4 * Float.BYTES), TensorPayload.class);
    assertTrue(message.contains("truncated: shape needs 32 bytes"), message);
  }

  /**
   * A chunk whose dtype disagrees with its byte count: the bytes of a valid F32 chunk with the dtype switched to
   * I64, found as the one byte where the F32 and I32 forms of the same chunk differ.
   */
  @Test
  void chunkWhoseDtypeDisagreesWithItsLengthIsRejected() {
    UUID id = UUID.randomUUID();
    byte[] f32 = kryo.toBinary(new TensorChunk(id, 0, 1, 64, DType.F32, new long[] {4}, new byte[16]));
    byte[] i32 = kryo.toBinary(new TensorChunk(id, 0, 1, 64, DType.I32, new long[] {4}, new byte[16]));
    assertEquals(f32.length, i32.length);
    List<Integer> differing = new ArrayList<>();
    for (int i = 0; i < f32.length; i++) if (f32[i] != i32[i]) differing.add(i);
    assertEquals(1, differing.size(), "only the dtype may differ");
    int dtypeAt = differing.get(0);
    byte[] forged = f32.clone();
    forged[dtypeAt] = (byte) (f32[dtypeAt] + (DType.I64.ordinal() - DType.F32.ordinal()));

    String message = rejection(forged, TensorChunk.class);
    assertTrue(message.contains("TensorChunk 0/1 must hold 32 bytes, got 16"), message);
  }

  @Test
  void rowsClaimedBeyondTheMessageAreRejectedBeforeAllocation() {
    Output out = new Output(16, -1);
    out.writeVarInt(Integer.MAX_VALUE, true);
    out.writeBytes(new byte[8]);
    String message = rejection(out.toBytes(), int[][].class);
    assertTrue(message.contains("int[][] claims " + Integer.MAX_VALUE + " elements"), message);
  }

  @Test
  void rowsSurviveTheRoundTrip() {
    int[][] rows = {{1, 2, 3}, {}, {Integer.MIN_VALUE}};
    assertArrayEquals(rows, (int[][]) kryo.fromBinary(kryo.toBinary(rows), int[][].class.getName()));
  }

  /** Nested lists written by a Kryo without the depth limit, as a hostile peer would. */
  @Test
  void nestingDeeperThanTheLimitIsRejectedInsteadOfOverflowingTheStack() {
    Object nested = "core";
    for (int i = 0; i < KryoSerializer.MAX_DEPTH; i++) nested = new ArrayList<>(List.of(nested));
    Kryo unlimited = new Kryo();
    unlimited.setRegistrationRequired(true);
    unlimited.setReferences(false);
    TestWire.CLASSES.forEach(c -> c.registerWith(unlimited));
    Output out = new Output(256, -1);
    unlimited.writeObject(out, new Envelope(nested));

    String message = rejection(out.toBytes(), Envelope.class);
    assertTrue(message.contains("Max depth exceeded"), message);
  }
}
