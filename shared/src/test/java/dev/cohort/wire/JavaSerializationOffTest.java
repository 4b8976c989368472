package dev.cohort.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.cohort.wire.TestWire.Smuggled;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectOutputStream;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Java serialization runs class code chosen by the sender, so no node may use it: a Serializable message that is
 * not a WireMessage can be neither written nor read. ArteryTransportTest shows the same over a real connection.
 */
class JavaSerializationOffTest {
  /** Pekko's serializer id for Java serialization. */
  private static final int JAVA_SERIALIZER_ID = 1;

  private static ActorTestKit kit;
  private static Serialization serialization;

  @BeforeAll
  static void start() {
    kit = ActorTestKit.create("java-serialization-test", TestWire.nodeConfig(TestWire.TestKryoSerializer.class));
    serialization = SerializationExtension.get(kit.system());
  }

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  @Test
  void theShippedAndTheEffectiveSettingsHaveJavaSerializationOff() {
    String key = "pekko.actor.allow-java-serialization";
    assertFalse(ConfigFactory.parseResources("cohort-pekko.conf").getBoolean(key));
    assertFalse(kit.system().settings().config().getBoolean(key));
  }

  @Test
  void aSerializableMessageThatIsNoWireMessageCannotBeWritten() {
    assertTrue(serialization.serialize(new Smuggled("out")).isFailure(), "Java serialization wrote a message");
  }

  @Test
  void javaSerializedBytesAreRefusedWithoutRunningTheirClassCode() throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(new Smuggled("in"));
    }
    int readsBefore = Smuggled.READS.get();

    assertTrue(serialization.deserialize(bytes.toByteArray(), JAVA_SERIALIZER_ID, "").isFailure(),
        "Java serialization read a message");
    assertEquals(readsBefore, Smuggled.READS.get(), "the smuggled class's readObject ran");
  }
}
