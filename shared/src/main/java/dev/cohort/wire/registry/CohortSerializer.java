package dev.cohort.wire.registry;

import dev.cohort.wire.KryoSerializer;
import org.apache.pekko.actor.ExtendedActorSystem;

/** The serializer every node binds to {@code WireMessage} (cohort-pekko.conf): Kryo over {@link WireClasses#ALL}. */
public final class CohortSerializer extends KryoSerializer {
  public CohortSerializer(ExtendedActorSystem system) {
    super(system, WireClasses.ALL);
  }
}
