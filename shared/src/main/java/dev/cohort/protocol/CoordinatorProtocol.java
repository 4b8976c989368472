package dev.cohort.protocol;

import dev.cohort.wire.WireMessage;
import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;

/** What the coordinator (a cluster singleton) accepts from workers and from tools. */
public final class CoordinatorProtocol {
  private CoordinatorProtocol() {}

  /**
   * The coordinator's messages: the public ones below, which cross nodes, and {@link Internal} ones that the
   * coordinator sends itself.
   */
  public sealed interface Command permits Pong, ListWorkers, Internal {}

  /**
   * The coordinator's private messages (receptionist and cluster-event adapters, timers), declared private in the
   * coordinator module. Not sealed because that module cannot add to a sealed family declared here; not
   * WireMessages because they never leave the coordinator's JVM, so sending one to another node fails loudly.
   */
  public non-sealed interface Internal extends Command {}

  /** A worker's answer to {@link WorkerProtocol.Ping}. */
  public record Pong(long id, String workerId) implements Command, WireMessage {}

  /** Asks for the ids of the workers that are registered and reachable. */
  public record ListWorkers(ActorRef<WorkerList> replyTo) implements Command, WireMessage {}

  /** The answer to {@link ListWorkers}, ids in ascending order. */
  public record WorkerList(List<String> workerIds) implements WireMessage {
    public WorkerList {
      workerIds = List.copyOf(workerIds);
    }
  }
}
