package dev.cohort.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.ConfigFactory;
import dev.cohort.tensor.DType;
import dev.cohort.wire.TestWire.Echo;
import dev.cohort.wire.TestWire.Echoed;
import dev.cohort.wire.TestWire.Envelope;
import dev.cohort.wire.TestWire.Ping;
import dev.cohort.wire.TestWire.Pong;
import dev.cohort.wire.TestWire.Rogue;
import dev.cohort.wire.TestWire.Smuggled;
import java.time.Duration;
import java.util.Random;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.eventstream.EventStream;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.event.Logging;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two actor systems in this JVM talking Artery TCP over 127.0.0.1: every message crosses a real socket and both
 * KryoSerializer paths. The sender registers one class more than the receiver (a node from a newer build) and
 * allows Java serialization, which the receiver, as every Cohort node, refuses.
 */
class ArteryTransportTest {
  private static final Duration REPLY_TIMEOUT = Duration.ofSeconds(15);
  private static final int ONE_MIB = 1 << 20;

  private static ActorTestKit receiver;
  private static ActorTestKit sender;

  @BeforeAll
  static void start() {
    receiver = ActorTestKit.create("receiver", TestWire.nodeConfig(TestWire.TestKryoSerializer.class));
    // The sender is a rogue node: one wire class more than the receiver, and Java serialization on.
    sender = ActorTestKit.create("sender", ConfigFactory.parseString("pekko.actor.allow-java-serialization = on")
        .withFallback(TestWire.nodeConfig(TestWire.RogueKryoSerializer.class)));
  }

  @AfterAll
  static void stop() {
    sender.shutdownTestKit();
    receiver.shutdownTestKit();
  }

  /** Starts {@link #service} on the receiver and returns the sender's (remote) reference to it. */
  private static ActorRef<WireMessage> remoteService(TestProbe<WireMessage> deliveries) {
    ActorRef<WireMessage> service = receiver.spawn(service(deliveries.ref()));
    String path = ActorRefResolver.get(receiver.system()).toSerializationFormat(service);
    return ActorRefResolver.get(sender.system()).resolveActorRef(path);
  }

  /** Reports every message it receives, answers Ping and echoes tensors. */
  private static Behavior<WireMessage> service(ActorRef<WireMessage> deliveries) {
    return Behaviors.receiveMessage(message -> {
      deliveries.tell(message);
      if (message instanceof Ping ping) ping.replyTo().tell(new Pong(ping.n()));
      if (message instanceof Echo echo) echo.replyTo().tell(new Echoed(echo.tensor()));
      return Behaviors.same();
    });
  }

  @Test
  void oneMebibyteTensorCrossesTheNetworkAndComesBack() {
    byte[] data = new byte[ONE_MIB];
    new Random(42).nextBytes(data);
    TensorPayload tensor = new TensorPayload(DType.F32, new long[] {256, ONE_MIB / 256 / Float.BYTES}, data);
    TestProbe<WireMessage> replies = sender.createTestProbe();
    ActorRef<WireMessage> remoteService = remoteService(receiver.createTestProbe());

    remoteService.tell(new Echo(tensor, replies.ref()));

    Echoed echoed = (Echoed) replies.expectMessageClass(Echoed.class, REPLY_TIMEOUT);
    assertEquals(tensor, echoed.tensor());
  }

  @Test
  void unknownClassesAreDroppedAndLoggedWhileTheReceiverKeepsWorking() {
    TestProbe<Logging.Error> errors = receiver.createTestProbe();
    receiver.system().eventStream().tell(new EventStream.Subscribe<>(Logging.Error.class, errors.ref()));
    TestProbe<WireMessage> delivered = receiver.createTestProbe();
    ActorRef<WireMessage> remoteService = remoteService(delivered);
    TestProbe<WireMessage> replies = sender.createTestProbe();

    remoteService.tell(new Rogue("unknown manifest"));
    remoteService.tell(new Envelope(new Rogue("unknown class id inside a known message")));
    remoteService.tell(new Ping(1, replies.ref()));

    replies.expectMessage(REPLY_TIMEOUT, new Pong(1));
    delivered.fishForMessage(REPLY_TIMEOUT, m -> m instanceof Ping
        ? FishingOutcomes.complete()
        : FishingOutcomes.fail("delivered a message that should have been dropped: " + m));
    expectLoggedRejection(errors, "unknown wire class '" + Rogue.class.getName() + "'");
    expectLoggedRejection(errors, "cannot decode " + Envelope.class.getName());
  }

  @Test
  void javaSerializedMessageIsDroppedAndLoggedWhileTheReceiverKeepsWorking() {
    TestProbe<Logging.Error> errors = receiver.createTestProbe();
    receiver.system().eventStream().tell(new EventStream.Subscribe<>(Logging.Error.class, errors.ref()));
    TestProbe<WireMessage> delivered = receiver.createTestProbe();
    ActorRef<Object> remoteService = remoteService(delivered).unsafeUpcast();
    TestProbe<WireMessage> replies = sender.createTestProbe();
    int readsBefore = Smuggled.READS.get();

    remoteService.tell(new Smuggled("Java-serialized"));
    remoteService.tell(new Ping(2, replies.ref()));

    replies.expectMessage(REPLY_TIMEOUT, new Pong(2));
    delivered.fishForMessage(REPLY_TIMEOUT, m -> m instanceof Ping
        ? FishingOutcomes.complete()
        : FishingOutcomes.fail("delivered a message that should have been dropped: " + m));
    expectLoggedRejection(errors, "Java serialization");
    assertEquals(readsBefore, Smuggled.READS.get(), "the receiver ran the smuggled class's readObject");
  }

  /** Artery logs a message it cannot deserialize as an error carrying the serializer's exception. */
  private static void expectLoggedRejection(TestProbe<Logging.Error> errors, String text) {
    errors.fishForMessage(REPLY_TIMEOUT, e -> String.valueOf(e.cause().getMessage()).contains(text)
        ? FishingOutcomes.complete()
        : FishingOutcomes.continueAndIgnore());
  }
}
