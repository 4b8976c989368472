package dev.cohort.protocol;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cohort.wire.WireClass;
import dev.cohort.wire.registry.WireClasses;
import dev.cohort.wire.WireMessage;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Every public protocol record crosses nodes: it must be a WireMessage (bound to Kryo) and registered. */
class ProtocolRegistrationTest {
  private static final Set<Class<?>> REGISTERED =
      WireClasses.ALL.stream().map(WireClass::type).collect(Collectors.toSet());

  @Test
  void everyWorkerAndCoordinatorMessageIsAWireMessageAndRegistered() {
    for (Class<?> family : new Class<?>[] {WorkerProtocol.Command.class, CoordinatorProtocol.Command.class}) {
      for (Class<?> message : family.getPermittedSubclasses()) {
        if (!message.isRecord()) continue; // the Internal extension points never leave their JVM
        assertTrue(WireMessage.class.isAssignableFrom(message), message.getName() + " is not a WireMessage");
        assertTrue(REGISTERED.contains(message), message.getName() + " is not in WireClasses.ALL");
      }
    }
  }
}
