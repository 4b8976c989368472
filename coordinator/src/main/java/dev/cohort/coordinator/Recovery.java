package dev.cohort.coordinator;

import dev.cohort.checkpoint.Checkpoint;
import dev.cohort.config.ParallelConfig;
import dev.cohort.coordinator.Signal.ReplacementTimeout;
import dev.cohort.coordinator.Signal.StillUnreachable;
import dev.cohort.coordinator.Signal.WorkersChanged;
import dev.cohort.metrics.ClusterMetrics;
import dev.cohort.protocol.CoordinatorProtocol.Command;
import dev.cohort.protocol.WorkerProtocol;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Down;

/**
 * Losing workers and going on: a placed worker that leaves the receptionist's list, or stays unreachable past its
 * grace, is downed; pending checkpoints are given up; the coordinator waits up to cluster.replacement-wait-seconds
 * for replacements, then replans the largest layout the workers left allow and every worker restores the last
 * committed checkpoint. Taking in late joiners at a checkpoint goes through the same replan.
 */
final class Recovery {
  private static final String REPLACEMENT_TIMER = "replacement";

  private final Session s;
  /** When the last worker loss was noticed (System.nanoTime), until training is going again; 0 otherwise. */
  private long lostAtNanos;

  Recovery(Session session) {
    this.s = session;
  }

  /**
   * The placed workers lost when the receptionist lists {@code registered}: those it no longer lists, except the
   * ones only unreachable for now (the receptionist hides those at once; they get their grace, StillUnreachable).
   */
  static Set<String> lost(Set<String> placed, Set<String> registered, Set<String> unreachable) {
    return placed.stream().filter(id -> !registered.contains(id) && !unreachable.contains(id))
        .collect(Collectors.toSet());
  }

  Behavior<Command> onWorkersChanged(Map<String, ActorRef<WorkerProtocol.Command>> live, RunState state,
      WorkersChanged changed) {
    Map<String, ActorRef<WorkerProtocol.Command>> now = s.membership.workersChanged(live, changed);
    Set<String> unreachable = Cluster.get(s.context.getSystem()).state().getUnreachable().stream()
        .map(m -> m.address().toString()).collect(Collectors.toSet());
    Set<String> lost = lost(state.workers().keySet(), now.keySet(), unreachable);
    if (!lost.isEmpty()) return recover(now, state, lost, ClusterMetrics.UNREACHABLE);
    return s.steps.sameState(now, state);
  }

  Behavior<Command> onStillUnreachable(Map<String, ActorRef<WorkerProtocol.Command>> live, RunState state,
      StillUnreachable still) {
    String address = still.address().toString();
    if (!state.workers().containsKey(address)) return Behaviors.same();
    // Down it rather than wait for the split-brain resolver: it cannot rejoin under this identity.
    Cluster.get(s.context.getSystem()).manager().tell(new Down(still.address()));
    return recover(live, state, Set.of(address), ClusterMetrics.UNREACHABLE);
  }

  Behavior<Command> recover(Map<String, ActorRef<WorkerProtocol.Command>> live, RunState state, Set<String> lost,
      String reason) {
    s.context.getLog().warn("lost worker(s) {} ({}) during step {} ({}): recovering", lost, reason, state.step(),
        state.phase());
    lost.forEach(id -> state.run().listener().onWorkerLost(id, reason));
    s.timers.cancel(Session.PHASE_TIMER);
    s.stragglers.cancelDeadline();
    if (lostAtNanos == 0) lostAtNanos = System.nanoTime();
    s.membership.downed(lost);
    s.checkpoints.abortPending();
    return awaitingWorkers(live, state, s.checkpoints.latest());
  }

  /** A worker was lost: waiting up to cluster.replacement-wait-seconds for enough workers to rejoin. */
  Behavior<Command> awaitingWorkers(Map<String, ActorRef<WorkerProtocol.Command>> live, RunState lost,
      Checkpoint from) {
    int wanted = s.configured.config().parallel().workers();
    int wait = s.configured.config().cluster().replacementWaitSeconds();
    int available = s.membership.available(live).size();
    if (available >= wanted || wait == 0) return replan(live, lost, from);
    if (!s.timers.isTimerActive(REPLACEMENT_TIMER)) {
      s.context.getLog().info("waiting up to {} s for {} more worker(s)", wait, wanted - available);
      s.timers.startSingleTimer(REPLACEMENT_TIMER, new ReplacementTimeout(lost.placement().epoch()),
          Duration.ofSeconds(wait));
    }
    return s.unplaced(live)
        .onMessage(WorkersChanged.class,
            changed -> awaitingWorkers(s.membership.workersChanged(live, changed), lost, from))
        .onMessage(ReplacementTimeout.class, timeout -> replan(live, lost, from))
        .build();
  }

  /** After a loss or at a growth: the largest layout the available workers allow, restored from {@code from}. */
  Behavior<Command> replan(Map<String, ActorRef<WorkerProtocol.Command>> live, RunState lost, Checkpoint from) {
    s.timers.cancel(REPLACEMENT_TIMER);
    Optional<ParallelConfig> layout = Replan.fit(s.configured.config(), s.membership.available(live).size());
    if (layout.isEmpty()) return s.fail(live, lost, "no worker left to continue on");
    RunSpec run = layout.get().equals(s.configured.config().parallel()) ? s.configured
        : s.configured.withParallel(layout.get());
    s.context.getLog().warn("continuing run {} on {} worker(s) (pp={} dp={} ep={}) from {}", run.runId(),
        layout.get().workers(), layout.get().pp(), layout.get().dp(), layout.get().ep(),
        from == null ? "step 0 (no checkpoint yet)" : ShardedCheckpoints.describe(from));
    return s.steps.assign(live, run, lost.placement().epoch() + 1, from);
  }

  /** Whether workers beyond the current placement's are available, and the configured layout can use them. */
  boolean canGrow(Map<String, ActorRef<WorkerProtocol.Command>> live, RunState state) {
    return Replan.fit(s.configured.config(), s.membership.available(live).size())
        .filter(layout -> layout.workers() > state.workers().size()).isPresent();
  }

  /** A step starts: if it follows a loss, how long training stood still is logged. */
  void trainingAgain(long step) {
    if (lostAtNanos == 0) return;
    s.context.getLog().info("training again at step {}, {} ms after the worker loss was noticed", step,
        (System.nanoTime() - lostAtNanos) / 1_000_000);
    lostAtNanos = 0;
  }
}
