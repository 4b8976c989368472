package dev.cohort.coordinator;

import dev.cohort.cluster.NodeRole;
import dev.cohort.protocol.CoordinatorProtocol.Command;
import dev.cohort.protocol.CoordinatorProtocol.Internal;
import dev.cohort.protocol.CoordinatorProtocol.ListWorkers;
import dev.cohort.protocol.CoordinatorProtocol.Pong;
import dev.cohort.protocol.CoordinatorProtocol.WorkerList;
import dev.cohort.protocol.WorkerProtocol;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.ClusterSingleton;
import org.apache.pekko.cluster.typed.ClusterSingletonSettings;
import org.apache.pekko.cluster.typed.SingletonActor;
import org.apache.pekko.cluster.typed.Subscribe;

/**
 * The run's single coordinator: a Cluster Singleton on the coordinator-role node. For now it tracks which workers
 * are registered and reachable and logs cluster membership; the run state machine grows here.
 */
public final class Coordinator {
  private Coordinator() {}

  /** The singleton's name, the same on every node so that all proxies reach the one instance. */
  public static final String SINGLETON_NAME = "coordinator";

  private record WorkersChanged(Receptionist.Listing listing) implements Internal {}

  private record MemberChanged(ClusterEvent.MemberEvent event) implements Internal {}

  private record ReachabilityChanged(ClusterEvent.ReachabilityEvent event) implements Internal {}

  /**
   * Starts the singleton on this node's cluster (it runs once this node, of the coordinator role, is Up) and returns
   * a proxy to it. Idempotent: every call returns a proxy to the same singleton.
   */
  public static ActorRef<Command> startSingleton(ActorSystem<?> system) {
    return ClusterSingleton.get(system).init(SingletonActor.of(create(), SINGLETON_NAME)
        .withSettings(ClusterSingletonSettings.create(system).withRole(NodeRole.COORDINATOR.roleName())));
  }

  static Behavior<Command> create() {
    return Behaviors.setup(context -> {
      ActorRef<Receptionist.Listing> listings = context.messageAdapter(Receptionist.Listing.class, WorkersChanged::new);
      context.getSystem().receptionist().tell(Receptionist.subscribe(WorkerProtocol.SERVICE_KEY, listings));
      Cluster cluster = Cluster.get(context.getSystem());
      cluster.subscriptions().tell(Subscribe.create(
          context.messageAdapter(ClusterEvent.MemberEvent.class, MemberChanged::new), ClusterEvent.MemberEvent.class));
      cluster.subscriptions().tell(Subscribe.create(
          context.messageAdapter(ClusterEvent.ReachabilityEvent.class, ReachabilityChanged::new),
          ClusterEvent.ReachabilityEvent.class));
      return tracking(context, Map.of());
    });
  }

  /** The workers that are registered and reachable, by worker id. */
  private static Behavior<Command> tracking(ActorContext<Command> context,
      Map<String, ActorRef<WorkerProtocol.Command>> workers) {
    return Behaviors.receive(Command.class)
        .onMessage(WorkersChanged.class, changed -> tracking(context, workersChanged(context, workers, changed)))
        .onMessage(ListWorkers.class, list -> {
          list.replyTo().tell(new WorkerList(List.copyOf(workers.keySet())));
          return Behaviors.same();
        })
        .onMessage(Pong.class, pong -> {
          context.getLog().info("pong {} from worker {}", pong.id(), pong.workerId());
          return Behaviors.same();
        })
        .onMessage(MemberChanged.class, changed -> {
          context.getLog().info("cluster member {} {} is {}", changed.event().member().address(),
              changed.event().member().getRoles(), changed.event().member().status());
          return Behaviors.same();
        })
        .onMessage(ReachabilityChanged.class, changed -> {
          boolean reachable = changed.event() instanceof ClusterEvent.ReachableMember;
          context.getLog().info("cluster member {} is {}", changed.event().member().address(),
              reachable ? "reachable again" : "unreachable");
          return Behaviors.same();
        })
        .build();
  }

  private static Map<String, ActorRef<WorkerProtocol.Command>> workersChanged(ActorContext<Command> context,
      Map<String, ActorRef<WorkerProtocol.Command>> before, WorkersChanged changed) {
    Set<ActorRef<WorkerProtocol.Command>> live = changed.listing().getServiceInstances(WorkerProtocol.SERVICE_KEY);
    Map<String, ActorRef<WorkerProtocol.Command>> after = live.stream()
        .collect(Collectors.toMap(WorkerProtocol::workerId, Function.identity(), (a, b) -> a, TreeMap::new));
    if (!after.keySet().equals(before.keySet())) {
      context.getLog().info("live workers: {} (were {})", after.keySet(), before.keySet());
    }
    return after;
  }
}
