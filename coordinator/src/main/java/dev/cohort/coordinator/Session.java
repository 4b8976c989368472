package dev.cohort.coordinator;

import dev.cohort.checkpoint.Checkpoint;
import dev.cohort.coordinator.Signal.PhaseTimeout;
import dev.cohort.coordinator.Signal.ReachabilityChanged;
import dev.cohort.coordinator.Signal.StillUnreachable;
import dev.cohort.coordinator.Signal.StragglerDeadline;
import dev.cohort.coordinator.Signal.StragglerVerdict;
import dev.cohort.coordinator.Signal.WorkersChanged;
import dev.cohort.protocol.CoordinatorProtocol.Command;
import dev.cohort.protocol.CoordinatorProtocol.Failed;
import dev.cohort.protocol.CoordinatorProtocol.Progress;
import dev.cohort.protocol.CoordinatorProtocol.Restored;
import dev.cohort.protocol.CoordinatorProtocol.ShardFailed;
import dev.cohort.protocol.CoordinatorProtocol.ShardSaved;
import dev.cohort.protocol.WorkerProtocol;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.BehaviorBuilder;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * One coordinator incarnation: the actor's context and timers, the run as configured, and its rooms. Each room keeps
 * the little mutable bookkeeping of its own concern; where a run stands is the immutable {@link RunState} the
 * behaviours pass on. Everything here runs on the actor's thread.
 */
final class Session {
  static final String JOIN_TIMER = "join";
  static final String PHASE_TIMER = "phase";

  final ActorContext<Command> context;
  final TimerScheduler<Command> timers;
  /** How many registered workers a pending run waits for ({@link Replan#workersToStart}). */
  final int startWith;
  final Membership membership = new Membership(this);
  final StepCycle steps = new StepCycle(this);
  final CheckpointDrain checkpoints = new CheckpointDrain(this);
  final Recovery recovery = new Recovery(this);
  final StragglerWatch stragglers = new StragglerWatch(this);
  /** The run as configured (its layout may differ from the current placement's after a loss). */
  RunSpec configured;
  /** The checkpoint a resumed run starts from (read by {@link #begin}), or null. */
  Checkpoint resumeFrom;

  Session(ActorContext<Command> context, TimerScheduler<Command> timers, int startWith) {
    this.context = context;
    this.timers = timers;
    this.startWith = startWith;
  }

  /**
   * Opens the run's checkpoints and, for a resumed run, reads the newest complete one before waiting for workers: a
   * resumed run already at train.steps ends at once (a standby whose primary finished the run takes the singleton
   * over when the primary leaves, and must not wait for workers that are gone).
   */
  Behavior<Command> begin(RunSpec run) {
    if (run == null) return membership.tracking(Map.of(), null);
    checkpoints.open(run);
    resumeFrom = run.resume() ? checkpoints.latest() : null;
    if (run.resume() && resumeFrom == null) {
      context.getLog().warn("no complete checkpoint to resume: starting at step 0");
    }
    if (resumeFrom == null || resumeFrom.step() < run.config().train().steps()) {
      return membership.tracking(Map.of(), run);
    }
    context.getLog().info("run {} already reached train.steps = {}: nothing to do", run.runId(),
        run.config().train().steps());
    timers.cancel(JOIN_TIMER);
    run.listener().onFinished();
    return membership.over(run.runId(), Map.of());
  }

  /** Messages every state of a placed run handles: checkpoint shards, lost workers, failures, timeouts. */
  BehaviorBuilder<Command> placed(Map<String, ActorRef<WorkerProtocol.Command>> live, RunState state) {
    return membership.common(live)
        .onMessage(WorkersChanged.class, changed -> recovery.onWorkersChanged(live, state, changed))
        .onMessage(ReachabilityChanged.class, membership::logReachability)
        .onMessage(StillUnreachable.class, still -> recovery.onStillUnreachable(live, state, still))
        .onMessage(ShardSaved.class, shard -> checkpoints.onShardSaved(live, state, shard))
        .onMessage(ShardFailed.class, failed -> checkpoints.onShardFailed(live, state, failed))
        .onMessage(Failed.class, f -> state.run().runId().equals(f.runId()) && f.epoch() == state.placement().epoch()
            ? fail(live, state, "worker " + f.workerId() + " failed: " + f.error()) : stray(f))
        .onMessage(StragglerDeadline.class, d -> d.step() == state.step() && d.phase() == state.phase()
            ? stragglers.probeLate(state) : Behaviors.same())
        .onMessage(Progress.class, p -> stragglers.onProgress(state, p))
        .onMessage(StragglerVerdict.class, v -> v.step() == state.step() && v.phase() == state.phase()
            ? stragglers.verdict(live, state) : Behaviors.same())
        .onMessage(PhaseTimeout.class, t -> t.step() == state.step() && t.phase() == state.phase()
            ? fail(live, state, "step " + t.step() + " (" + t.phase() + "): no answer within "
                + state.run().config().cluster().stepTimeoutSeconds() + " s from "
                + state.workers().keySet().stream().filter(id -> !state.answered().contains(id)).toList())
            : Behaviors.same());
  }

  /** What a state without a placement ignores (no run, or between placements) on top of the common messages. */
  BehaviorBuilder<Command> unplaced(Map<String, ActorRef<WorkerProtocol.Command>> workers) {
    return membership.common(workers)
        .onMessage(ReachabilityChanged.class, membership::logReachability)
        .onMessage(StillUnreachable.class, still -> Behaviors.same())
        .onMessage(StragglerDeadline.class, late -> Behaviors.same())
        .onMessage(StragglerVerdict.class, late -> Behaviors.same())
        .onMessage(Progress.class, progress -> Behaviors.same())
        .onMessage(ShardSaved.class, this::stray)
        .onMessage(ShardFailed.class, this::stray)
        .onMessage(Restored.class, this::stray);
  }

  Behavior<Command> fail(Map<String, ActorRef<WorkerProtocol.Command>> live, RunState state, String reason) {
    context.getLog().error("run {} failed: {}", state.run().runId(), reason);
    stopWorkers(state, live);
    state.run().listener().onFailed(reason);
    return membership.tracking(live, null);
  }

  /** Stops the placement's workers and any spare one (a worker left out after a loss, or one that came late). */
  void stopWorkers(RunState state, Map<String, ActorRef<WorkerProtocol.Command>> live) {
    timers.cancelAll();
    Set<ActorRef<WorkerProtocol.Command>> all = new HashSet<>(state.workers().values());
    all.addAll(live.values());
    all.forEach(w -> w.tell(new WorkerProtocol.Stop(state.run().runId())));
    steps.closeMetrics();
    checkpoints.close();
  }

  /** The phase's timeout and straggler deadline. */
  void armTimer(RunState state) {
    stragglers.armDeadline(state);
    timers.startSingleTimer(PHASE_TIMER, new PhaseTimeout(state.step(), state.phase()),
        Duration.ofSeconds(state.run().config().cluster().stepTimeoutSeconds()));
  }

  <T> Behavior<Command> stray(T message) {
    context.getLog().warn("dropped {}: not for the current run, epoch, step or phase", message);
    return Behaviors.same();
  }
}
