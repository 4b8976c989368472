package dev.cohort.coordinator;

import dev.cohort.cluster.NodeRole;
import dev.cohort.coordinator.Signal.JoinTimeout;
import dev.cohort.coordinator.Signal.MemberChanged;
import dev.cohort.coordinator.Signal.ReachabilityChanged;
import dev.cohort.coordinator.Signal.WorkersChanged;
import dev.cohort.protocol.CoordinatorProtocol.Command;
import dev.cohort.protocol.WorkerProtocol;
import java.time.Duration;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.ClusterSingleton;
import org.apache.pekko.cluster.typed.ClusterSingletonSettings;
import org.apache.pekko.cluster.typed.SingletonActor;
import org.apache.pekko.cluster.typed.Subscribe;

/**
 * The run's single coordinator, a Cluster Singleton on the coordinator-role node. It tracks the registered,
 * reachable workers; given a run, it waits for pp x dp of them, plans the placement, assigns every worker its part,
 * then drives each step in two phases: every worker's forward/backward (answered with Gradients, from which it
 * computes the global gradient norm and the clipping scale), then every worker's update. It writes metrics.jsonl.
 *
 * <p>Its behaviours are in rooms by concern, each deciding from the immutable {@link RunState}:
 * <ul>
 *   <li>{@link Membership}: no placement: tracking workers until a run can start, and after it;
 *   <li>{@link StepCycle}: one placement's life: assigning, restoring, then each step's gradients and updates;
 *   <li>{@link CheckpointDrain}: sharded checkpoints committed while training goes on, drained before the run ends;
 *   <li>{@link Recovery}: lost workers, waiting for replacements, replanning from the last checkpoint;
 *   <li>{@link StragglerWatch}: per-phase deadlines, and who is really late;
 *   <li>{@link Session}: what they share, and the handlers every placed state has.
 * </ul>
 *
 * <p>Fault tolerance: at checkpoint steps every worker snapshots the tensors it owns and writes them in the
 * background while training goes on; the manifest is committed once every shard is durable ({@link
 * ShardedCheckpoints}). A worker that becomes unreachable or leaves is downed; the placement is replanned on the
 * workers left (after waiting up to cluster.replacement-wait-seconds for a replacement), every worker reloads the
 * last committed checkpoint, and the run goes on from its step. A worker that joins later is taken in at the next
 * checkpoint. A checkpoint that cannot be written is abandoned and training goes on, up to
 * checkpoint.max-consecutive-failures in a row. A worker that reports a failure, or a phase unanswered past the step
 * timeout, ends the run. A coordinator that takes a resumed run over (its singleton moved here) starts on the workers
 * the cluster has ({@link Replan#workersToStart}), and one that finds the run complete ends it at once.
 */
public final class Coordinator {
  private Coordinator() {}

  /** The singleton's name, the same on every node so that all proxies reach the one instance. */
  public static final String SINGLETON_NAME = "coordinator";

  /** Starts a coordinator that only tracks workers (for `./cohort coordinator` and cluster tests). */
  public static ActorRef<Command> startSingleton(ActorSystem<?> system) {
    return startSingleton(system, null);
  }

  /**
   * Starts the singleton on this node's cluster (it runs once this node, of the coordinator role, is Up) and returns
   * a proxy to it. With a run, it drives that run as soon as enough workers have registered.
   */
  public static ActorRef<Command> startSingleton(ActorSystem<?> system, RunSpec run) {
    return ClusterSingleton.get(system).init(SingletonActor.of(create(run), SINGLETON_NAME)
        .withSettings(ClusterSingletonSettings.create(system).withRole(NodeRole.COORDINATOR.roleName())));
  }

  static Behavior<Command> create(RunSpec run) {
    return Behaviors.setup(context -> Behaviors.withTimers(timers -> {
      ActorRef<Receptionist.Listing> listings = context.messageAdapter(Receptionist.Listing.class, WorkersChanged::new);
      context.getSystem().receptionist().tell(Receptionist.subscribe(WorkerProtocol.SERVICE_KEY, listings));
      Cluster cluster = Cluster.get(context.getSystem());
      cluster.subscriptions().tell(Subscribe.create(
          context.messageAdapter(ClusterEvent.MemberEvent.class, MemberChanged::new), ClusterEvent.MemberEvent.class));
      cluster.subscriptions().tell(Subscribe.create(
          context.messageAdapter(ClusterEvent.ReachabilityEvent.class, ReachabilityChanged::new),
          ClusterEvent.ReachabilityEvent.class));
      if (run != null) {
        timers.startSingleTimer(Session.JOIN_TIMER, new JoinTimeout(),
            Duration.ofSeconds(run.config().cluster().joinTimeoutSeconds()));
      }
      int startWith = run == null ? 0 : Replan.workersToStart(run.config(), workersPresent(cluster));
      return new Session(context, timers, startWith).begin(run);
    }));
  }

  /** Reachable Up members of the worker role: the workers of a run in progress when this coordinator takes over. */
  private static int workersPresent(Cluster cluster) {
    Set<Member> unreachable = cluster.state().getUnreachable();
    int present = 0;
    for (Member m : cluster.state().getMembers()) {
      boolean up = m.status() == MemberStatus.up();
      if (up && m.hasRole(NodeRole.WORKER.roleName()) && !unreachable.contains(m)) present++;
    }
    return present;
  }
}
