package dev.cohort.coordinator;

import dev.cohort.coordinator.Signal.JoinTimeout;
import dev.cohort.coordinator.Signal.MemberChanged;
import dev.cohort.coordinator.Signal.ReachabilityChanged;
import dev.cohort.coordinator.Signal.StillUnreachable;
import dev.cohort.coordinator.Signal.WorkersChanged;
import dev.cohort.protocol.CoordinatorProtocol.Command;
import dev.cohort.protocol.CoordinatorProtocol.ListWorkers;
import dev.cohort.protocol.CoordinatorProtocol.Pong;
import dev.cohort.protocol.CoordinatorProtocol.WorkerList;
import dev.cohort.protocol.WorkerProtocol;
import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.BehaviorBuilder;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.ClusterEvent;

/**
 * The coordinator without a placement: which workers are registered and usable, waiting until a run can start, and
 * a run that is over. Also the messages every state answers alike (worker lists, member events, reachability).
 */
final class Membership {
  private final Session s;
  /** Workers found unreachable and downed: never placed again, even while the receptionist still lists them. */
  private final Set<String> downed = new HashSet<>();

  Membership(Session session) {
    this.s = session;
  }

  /** No run in progress: track workers; start {@code pending} once enough have registered. */
  Behavior<Command> tracking(Map<String, ActorRef<WorkerProtocol.Command>> workers, RunSpec pending) {
    if (pending != null && available(workers).size() >= s.startWith) {
      return s.steps.start(workers, pending);
    }
    return s.unplaced(workers)
        .onMessage(WorkersChanged.class, changed -> tracking(workersChanged(workers, changed), pending))
        .onMessage(JoinTimeout.class, timeout -> {
          if (pending == null) return Behaviors.same();
          String reason = "only " + workers.size() + " of " + pending.config().parallel().workers()
              + " workers registered within " + pending.config().cluster().joinTimeoutSeconds() + " s";
          s.context.getLog().error("run {} not started: {}", pending.runId(), reason);
          pending.listener().onFailed(reason);
          return tracking(workers, null);
        })
        .build();
  }

  /** A resumed run found complete: workers that register are told to stop, as at the end of the run. */
  Behavior<Command> over(String runId, Map<String, ActorRef<WorkerProtocol.Command>> workers) {
    return s.unplaced(workers)
        .onMessage(WorkersChanged.class, changed -> {
          Map<String, ActorRef<WorkerProtocol.Command>> now = workersChanged(workers, changed);
          now.forEach((id, w) -> {
            if (!workers.containsKey(id)) w.tell(new WorkerProtocol.Stop(runId));
          });
          return over(runId, now);
        })
        .onMessage(JoinTimeout.class, timeout -> Behaviors.same())
        .build();
  }

  /** What every state answers alike. */
  BehaviorBuilder<Command> common(Map<String, ActorRef<WorkerProtocol.Command>> workers) {
    return Behaviors.receive(Command.class)
        .onMessage(ListWorkers.class, list -> {
          list.replyTo().tell(new WorkerList(List.copyOf(workers.keySet())));
          return Behaviors.same();
        })
        .onMessage(Pong.class, pong -> {
          s.context.getLog().info("pong {} from worker {}", pong.id(), pong.workerId());
          return Behaviors.same();
        })
        .onMessage(MemberChanged.class, changed -> {
          s.context.getLog().info("cluster member {} {} is {}", changed.event().member().address(),
              changed.event().member().getRoles(), changed.event().member().status());
          return Behaviors.same();
        });
  }

  /** Registered workers that were not downed. */
  List<String> available(Map<String, ActorRef<WorkerProtocol.Command>> workers) {
    downed.retainAll(workers.keySet()); // once the receptionist forgets a downed worker, so can we
    return usable(workers.keySet(), downed);
  }

  /** The registered workers a placement may use: every one not downed. */
  static List<String> usable(Collection<String> registered, Set<String> downed) {
    return registered.stream().filter(id -> !downed.contains(id)).toList();
  }

  void downed(Set<String> lost) {
    downed.addAll(lost);
  }

  /** The workers the receptionist lists now, by id (logged when the set changed). */
  Map<String, ActorRef<WorkerProtocol.Command>> workersChanged(Map<String, ActorRef<WorkerProtocol.Command>> before,
      WorkersChanged changed) {
    Set<ActorRef<WorkerProtocol.Command>> live = changed.listing().getServiceInstances(WorkerProtocol.SERVICE_KEY);
    Map<String, ActorRef<WorkerProtocol.Command>> after = live.stream()
        .collect(Collectors.toMap(WorkerProtocol::workerId, Function.identity(), (a, b) -> a, TreeMap::new));
    if (!after.keySet().equals(before.keySet())) {
      s.context.getLog().info("live workers: {} (were {})", after.keySet(), before.keySet());
    }
    return after;
  }

  /**
   * Logs a reachability change and times the unreachable: a loaded machine (a JVM starting up, a long GC) makes a
   * healthy node miss heartbeats for a second or two, so only one unreachable for the whole grace is lost.
   */
  Behavior<Command> logReachability(ReachabilityChanged changed) {
    boolean reachable = changed.event() instanceof ClusterEvent.ReachableMember;
    Address address = changed.event().member().address();
    s.context.getLog().info("cluster member {} is {}", address, reachable ? "reachable again" : "unreachable");
    String timer = "unreachable " + address;
    if (reachable) {
      s.timers.cancel(timer);
    } else {
      s.timers.startSingleTimer(timer, new StillUnreachable(address), Duration.ofSeconds(unreachableGraceSeconds()));
    }
    return Behaviors.same();
  }

  private int unreachableGraceSeconds() {
    return s.configured == null ? 0 : s.configured.config().cluster().unreachableGraceSeconds();
  }
}
