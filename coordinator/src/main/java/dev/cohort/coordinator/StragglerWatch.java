package dev.cohort.coordinator;

import dev.cohort.coordinator.Signal.StragglerDeadline;
import dev.cohort.coordinator.Signal.StragglerVerdict;
import dev.cohort.metrics.ClusterMetrics;
import dev.cohort.protocol.CoordinatorProtocol.Command;
import dev.cohort.protocol.CoordinatorProtocol.Progress;
import dev.cohort.protocol.WorkerProtocol;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Down;

/**
 * Per-phase deadlines (cluster.straggler-seconds). When one passes, the late workers are asked whether they wait on
 * a peer: in a data-parallel all-reduce or a pipeline every worker waits for the slow one, so lateness alone does not
 * say who is slow. Those that do not wait on a peer missed it ({@link Stragglers}); one over the limit is lost.
 */
final class StragglerWatch {
  private static final String TIMER = "straggler";
  /**
   * How long a late worker has to answer a Probe. Its actor answers in milliseconds even while its engine computes;
   * a frozen or hung process never does, and is then blamed, as it should be.
   */
  private static final Duration PROBE_ANSWER = Duration.ofMillis(500);

  private final Session s;
  private Stragglers stragglers;
  /** Late workers of the current phase that said they wait on a peer since the last straggler deadline. */
  private final Set<String> waitingOnPeer = new HashSet<>();

  StragglerWatch(Session session) {
    this.s = session;
  }

  void reset(int limit) {
    stragglers = Stragglers.none(limit);
  }

  void stepFinished() {
    stragglers = stragglers.stepFinished();
  }

  /** The straggler deadline of a step's phase (not of the placement's first step, which warms up). */
  void armDeadline(RunState state) {
    int seconds = state.run().config().cluster().stragglerSeconds();
    boolean stepPhase = state.phase() == RunState.Phase.GRADIENTS || state.phase() == RunState.Phase.UPDATES;
    if (seconds > 0 && stepPhase && state.step() > s.steps.placementFirstStep()) {
      s.timers.startSingleTimer(TIMER, new StragglerDeadline(state.step(), state.phase()),
          Duration.ofSeconds(seconds));
    }
  }

  void cancelDeadline() {
    s.timers.cancel(TIMER);
  }

  /** The phase's deadline passed: ask the late workers whether they wait on a peer. */
  Behavior<Command> probeLate(RunState state) {
    waitingOnPeer.clear();
    late(state).forEach(id -> state.workers().get(id).tell(
        new WorkerProtocol.Probe(state.run().runId(), state.placement().epoch(), state.step())));
    s.timers.startSingleTimer(TIMER, new StragglerVerdict(state.step(), state.phase()), PROBE_ANSWER);
    return Behaviors.same();
  }

  Behavior<Command> onProgress(RunState state, Progress p) {
    boolean current = state.run().runId().equals(p.runId()) && p.epoch() == state.placement().epoch()
        && p.step() == state.step();
    if (current && p.waitingOnPeer()) waitingOnPeer.add(p.workerId());
    return Behaviors.same();
  }

  /**
   * The late workers that did not say they wait on a peer missed the deadline: logged and counted; those over the
   * limit are lost. Otherwise the deadline is armed again, so a hung worker keeps missing until the limit.
   */
  Behavior<Command> verdict(Map<String, ActorRef<WorkerProtocol.Command>> live, RunState state) {
    Set<String> slow = late(state);
    slow.removeAll(waitingOnPeer);
    stragglers = stragglers.missed(slow);
    for (String id : slow) {
      s.context.getLog().warn("straggler: {} missed the {} s deadline of step {} ({}), {} of {} allowed", id,
          state.run().config().cluster().stragglerSeconds(), state.step(), state.phase(), stragglers.missesOf(id),
          stragglers.limit());
      state.run().listener().onStraggler(id, state.step(), stragglers.missesOf(id));
    }
    Set<String> lost = stragglers.overLimit();
    lost.retainAll(slow);
    if (lost.isEmpty()) {
      armDeadline(state);
      return s.steps.sameState(live, state);
    }
    lost.forEach(id -> Cluster.get(s.context.getSystem()).manager().tell(new Down(state.workers().get(id).path()
        .address())));
    return s.recovery.recover(live, state, lost, ClusterMetrics.STRAGGLER);
  }

  /** The placement's workers that have not answered the current phase. */
  private static Set<String> late(RunState state) {
    return state.workers().keySet().stream().filter(id -> !state.answered().contains(id))
        .collect(Collectors.toCollection(TreeSet::new));
  }
}
