package dev.cohort.protocol;

import dev.cohort.wire.WireMessage;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;

/**
 * What a worker answers. Lives in shared, not beside the Worker actor, because the coordinator module must see it
 * without depending on the worker module.
 *
 * <p>A worker's id is its node's address as text ({@code pekko://cohort@HOST:PORT}): unique while the process lives
 * and readable by the coordinator from any reference to the worker.
 */
public final class WorkerProtocol {
  private WorkerProtocol() {}

  /** Every worker registers under this key; the coordinator subscribes to its listing. */
  public static final ServiceKey<Command> SERVICE_KEY = ServiceKey.create(Command.class, "cohort-worker");

  public sealed interface Command extends WireMessage permits Ping {}

  /** Liveness probe: answered with {@link CoordinatorProtocol.Pong} carrying the same id. */
  public record Ping(long id, ActorRef<CoordinatorProtocol.Command> replyTo) implements Command {}

  /** The id of the worker behind {@code worker}, a reference obtained from the receptionist or a message. */
  public static String workerId(ActorRef<?> worker) {
    return worker.path().address().toString();
  }
}
