package dev.cohort.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.esotericsoftware.kryo.io.Output;
import dev.cohort.tensor.DType;
import dev.cohort.wire.TestWire.Counted;
import dev.cohort.wire.TestWire.Envelope;
import dev.cohort.wire.TestWire.Rogue;
import dev.cohort.wire.TestWire.Sample;
import dev.cohort.wire.TestWire.WithRef;
import dev.cohort.wire.TestWire.WithTensor;
import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializer;
import org.apache.pekko.serialization.Serializers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class KryoSerializerTest {
  private static ActorTestKit kit;
  private static Serialization serialization;
  private static KryoSerializer kryo;

  @BeforeAll
  static void start() {
    kit = ActorTestKit.create("kryo-serializer-test", TestWire.nodeConfig(TestWire.TestKryoSerializer.class));
    serialization = SerializationExtension.get(kit.system());
    kryo = (KryoSerializer) serialization.findSerializerFor(sample());
  }

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  /** Through Pekko's Serialization, as Artery does: the binding, identifier and manifest all take part. */
  private static Object roundTrip(Object message) {
    Serializer serializer = serialization.findSerializerFor(message);
    assertEquals(KryoSerializer.IDENTIFIER, serializer.identifier());
    byte[] bytes = serialization.serialize(message).get();
    String manifest = Serializers.manifestFor(serializer, message);
    return serialization.deserialize(bytes, serializer.identifier(), manifest).get();
  }

  private static Sample sample() {
    return new Sample(-7, 1L << 40, 2.5, true, "héllo wire", List.of("a", "b", "c"), List.of(1),
        new ArrayList<>(List.of(3L, 4L)), new long[] {1, -2, Long.MAX_VALUE}, new byte[] {0, -1, 127},
        new int[] {Integer.MIN_VALUE, 5}, new float[] {1.5f, Float.NaN}, UUID.randomUUID());
  }

  private static void assertSameSample(Sample expected, Object actual) {
    Sample got = assertInstanceOf(Sample.class, actual);
    assertEquals(List.of(expected.i(), expected.l(), expected.d(), expected.b(), expected.text(), expected.id()),
        List.of(got.i(), got.l(), got.d(), got.b(), got.text(), got.id()));
    assertEquals(expected.names(), got.names());
    assertEquals(expected.ids(), got.ids());
    assertEquals(expected.mutable(), got.mutable());
    assertArrayEquals(expected.longs(), got.longs());
    assertArrayEquals(expected.bytes(), got.bytes());
    assertArrayEquals(expected.ints(), got.ints());
    assertArrayEquals(expected.floats(), got.floats());
  }

  @Test
  void recordWithPrimitivesListsAndArraysSurvivesTheRoundTrip() {
    Sample sample = sample();
    Object back = roundTrip(sample);
    assertSameSample(sample, back);
    assertThrows(UnsupportedOperationException.class, () -> ((Sample) back).names().add("x"),
        "an immutable list must come back immutable");
  }

  @Test
  void byteBufferPathMatchesTheArrayPath() {
    Sample sample = sample();
    ByteBuffer buffer = ByteBuffer.allocateDirect(4096);
    kryo.toBinary(sample, buffer);
    buffer.flip();
    assertArrayEquals(kryo.toBinary(sample), copy(buffer.duplicate()));
    assertSameSample(sample, kryo.fromBinary(buffer, kryo.manifest(sample)));
  }

  @Test
  void tensorPayloadSurvivesTheRoundTrip() {
    byte[] data = new byte[2 * 3 * Float.BYTES];
    for (int i = 0; i < data.length; i++) data[i] = (byte) (i * 7);
    WithTensor message = new WithTensor("acts", new TensorPayload(DType.F32, new long[] {2, 3}, data));
    assertEquals(message, roundTrip(message));
  }

  @Test
  void tensorChunkSurvivesTheRoundTrip() {
    byte[] data = new byte[40];
    Arrays.fill(data, (byte) 3);
    TensorChunk chunk = TensorChunks.split(new TensorPayload(DType.I32, new long[] {10}, data), 16).get(2);
    TensorChunk back = (TensorChunk) kryo.fromBinary(kryo.toBinary(chunk), kryo.manifest(chunk));
    assertTrue(chunk.sameHeader(back));
    assertEquals(List.of(chunk.index(), chunk.count()), List.of(back.index(), back.count()));
    assertArrayEquals(chunk.bytes(), back.bytes());
  }

  @Test
  void recordsAreRebuiltThroughTheirCanonicalConstructor() {
    Counted counted = new Counted(5);
    int before = Counted.CONSTRUCTED.get();
    assertEquals(counted, roundTrip(counted));
    assertEquals(before + 1, Counted.CONSTRUCTED.get(), "validation in a compact constructor must also guard reads");
  }

  @Test
  void typedActorRefResolvesToTheSameActor() {
    TestProbe<String> probe = kit.createTestProbe();
    WithRef back = (WithRef) roundTrip(new WithRef(probe.ref()));
    assertEquals(probe.ref(), back.replyTo());
    back.replyTo().tell("reached");
    probe.expectMessage("reached");
  }

  @Test
  void messageTooBigForTheFrameIsReportedAsOverflowForArtery() {
    WithTensor big = new WithTensor("big", new TensorPayload(DType.I64, new long[] {1024}, new byte[8192]));
    assertThrows(BufferOverflowException.class, () -> kryo.toBinary(big, ByteBuffer.allocate(1024)));
  }

  @Test
  void unknownManifestIsRejectedByName() {
    WireFormatException e = assertThrows(WireFormatException.class,
        () -> kryo.fromBinary(new byte[] {1, 2, 3}, "dev.cohort.wire.NoSuchMessage"));
    assertTrue(e.getMessage().contains("unknown wire class 'dev.cohort.wire.NoSuchMessage'"), e.getMessage());
  }

  @Test
  void unregisteredClassIdInsideAKnownMessageIsRejected() {
    KryoSerializer rogue = new TestWire.RogueKryoSerializer((ExtendedActorSystem) kit.system().classicSystem());
    Envelope envelope = new Envelope(new Rogue("from a newer build"));
    byte[] bytes = rogue.toBinary(envelope);
    WireFormatException e = assertThrows(WireFormatException.class,
        () -> kryo.fromBinary(bytes, rogue.manifest(envelope)));
    assertTrue(e.getMessage().contains("cannot decode " + Envelope.class.getName()), e.getMessage());
    assertTrue(e.getMessage().contains("unregistered class ID"), e.getMessage());
  }

  @Test
  void unregisteredClassCannotBeSent() {
    record NotListed(int x) implements WireMessage {}
    assertThrows(IllegalArgumentException.class, () -> kryo.toBinary(new NotListed(1)));
  }

  @Test
  void truncatedTensorPayloadIsRejected() {
    TensorPayload tensor = new TensorPayload(DType.F64, new long[] {4, 4}, new byte[4 * 4 * Double.BYTES]);
    byte[] whole = kryo.toBinary(tensor);
    byte[] truncated = Arrays.copyOf(whole, whole.length - 5);
    WireFormatException e = assertThrows(WireFormatException.class,
        () -> kryo.fromBinary(truncated, TensorPayload.class.getName()));
    assertTrue(e.getMessage().contains("truncated: shape needs 128 bytes"), e.getMessage());
  }

  @Test
  void tensorPayloadClaimingTenGibibytesIsRejectedBeforeAllocation() {
    Output out = new Output(64);
    out.writeByte(DType.F32.wireCode());
    out.writeVarInt(1, true);
    out.writeVarLong((10L << 30) / Float.BYTES, true);
    out.writeBytes(new byte[16]);
    WireFormatException e = assertThrows(WireFormatException.class,
        () -> kryo.fromBinary(out.toBytes(), TensorPayload.class.getName()));
    assertTrue(e.getMessage().contains("exceeds the maximum of " + TensorPayload.MAX_BYTES), e.getMessage());
  }

  @Test
  void arrayLengthBeyondTheMessageIsRejectedBeforeAllocation() {
    Output out = new Output(16);
    out.writeVarInt(Integer.MAX_VALUE, true);
    out.writeBytes(new byte[8]);
    WireFormatException e = assertThrows(WireFormatException.class,
        () -> kryo.fromBinary(out.toBytes(), byte[].class.getName()));
    assertTrue(e.getMessage().contains("byte[] claims " + Integer.MAX_VALUE + " elements"), e.getMessage());
  }

  private static byte[] copy(ByteBuffer buffer) {
    byte[] bytes = new byte[buffer.remaining()];
    buffer.get(bytes);
    return bytes;
  }
}
