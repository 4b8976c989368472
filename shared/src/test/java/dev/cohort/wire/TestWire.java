package dev.cohort.wire;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.cohort.wire.registry.WireClasses;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.typed.ActorRef;

/** Messages and serializers the wire tests use, and the node config they run with. */
final class TestWire {
  private TestWire() {}

  record Sample(int i, long l, double d, boolean b, String text, List<String> names, List<Integer> ids,
      ArrayList<Long> mutable, long[] longs, byte[] bytes, int[] ints, float[] floats, UUID id)
      implements WireMessage {}

  record WithTensor(String tag, TensorPayload tensor) implements WireMessage {}

  record WithRef(ActorRef<String> replyTo) implements WireMessage {}

  /** Carries any registered object: lets a test put an unknown class id inside a known message. */
  record Envelope(Object content) implements WireMessage {}

  record Ping(int n, ActorRef<WireMessage> replyTo) implements WireMessage {}

  record Pong(int n) implements WireMessage {}

  record Echo(TensorPayload tensor, ActorRef<WireMessage> replyTo) implements WireMessage {}

  record Echoed(TensorPayload tensor) implements WireMessage {}

  /** Counts constructor runs: shows that deserialization goes through the canonical constructor. */
  record Counted(int x) implements WireMessage {
    static final AtomicInteger CONSTRUCTED = new AtomicInteger();

    Counted {
      CONSTRUCTED.incrementAndGet();
    }
  }

  /** Registered only by {@link RogueKryoSerializer}: stands for a class the receiving node does not know. */
  record Rogue(String text) implements WireMessage {}

  /** Serializable but no WireMessage: only Java serialization could carry it. Counts how often it is read. */
  static final class Smuggled implements Serializable {
    private static final long serialVersionUID = 1L;
    static final AtomicInteger READS = new AtomicInteger();
    final String text;

    Smuggled(String text) {
      this.text = text;
    }

    private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
      READS.incrementAndGet();
      in.defaultReadObject();
    }
  }

  static final List<WireClass> CLASSES = concat(WireClasses.ALL, List.of(
      WireClass.of(Sample.class), WireClass.of(WithTensor.class), WireClass.of(WithRef.class),
      WireClass.of(Envelope.class), WireClass.of(Ping.class), WireClass.of(Pong.class), WireClass.of(Echo.class),
      WireClass.of(Echoed.class), WireClass.of(Counted.class)));

  static final List<WireClass> ROGUE_CLASSES = concat(CLASSES, List.of(WireClass.of(Rogue.class)));

  private static List<WireClass> concat(List<WireClass> a, List<WireClass> b) {
    List<WireClass> all = new ArrayList<>(a);
    all.addAll(b);
    return List.copyOf(all);
  }

  /** The production list plus the test messages, under the production identifier. */
  public static final class TestKryoSerializer extends KryoSerializer {
    public TestKryoSerializer(ExtendedActorSystem system) {
      super(system, CLASSES);
    }
  }

  /** A node built with one class more than its peers. */
  public static final class RogueKryoSerializer extends KryoSerializer {
    public RogueKryoSerializer(ExtendedActorSystem system) {
      super(system, ROGUE_CLASSES);
    }
  }

  /** cohort-pekko.conf as shipped, with a free port and the given serializer class bound for WireMessage. */
  static Config nodeConfig(Class<? extends KryoSerializer> serializer) {
    return ConfigFactory.parseString(
            "pekko.actor.serializers.cohort-kryo = \"" + serializer.getName() + "\"\n"
                + "pekko.remote.artery.canonical.port = 0\n"
                + "pekko.loglevel = WARNING\n"
                // Several clusters in one JVM each register their JMX bean.
                + "pekko.cluster.jmx.multi-mbeans-in-same-jvm = on\n")
        .withFallback(ConfigFactory.parseResources("cohort-pekko.conf"))
        .resolve();
  }
}
