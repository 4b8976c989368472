package dev.cohort.worker.bench;

import dev.cohort.wire.KryoSerializer;
import dev.cohort.wire.WireClass;
import dev.cohort.wire.registry.WireClasses;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.ExtendedActorSystem;

/**
 * {@link KryoSerializer} with the benchmark's messages appended to {@link WireClasses#ALL}. They cannot be listed
 * there: WireClasses lives in {@code shared}, which does not see the worker module. Both benchmark JVMs bind this
 * class (cohort-transport-bench.conf), so they register the same list in the same order.
 */
public final class TransportKryoSerializer extends KryoSerializer {
  static final List<WireClass> CLASSES = withBenchmarkMessages();

  public TransportKryoSerializer(ExtendedActorSystem system) {
    super(system, CLASSES);
  }

  private static List<WireClass> withBenchmarkMessages() {
    List<WireClass> all = new ArrayList<>(WireClasses.ALL);
    all.add(WireClass.of(TransportProtocol.WholeTensor.class));
    all.add(WireClass.of(TransportProtocol.TensorPart.class));
    all.add(WireClass.of(TransportProtocol.Ack.class));
    return List.copyOf(all);
  }
}
