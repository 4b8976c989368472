package dev.cohort.coordinator;

import dev.cohort.checkpoint.Checkpoint;
import dev.cohort.protocol.CoordinatorProtocol.Command;
import dev.cohort.protocol.CoordinatorProtocol.ShardFailed;
import dev.cohort.protocol.CoordinatorProtocol.ShardSaved;
import dev.cohort.protocol.WorkerProtocol;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Optional;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * Sharded checkpoints as the run goes: at a checkpoint step every worker snapshots its tensors and writes them in
 * the background while training goes on; {@link ShardedCheckpoints} commits the manifest once every shard is
 * durable. Before the run ends or the placement grows, the pending ones drain (DRAINING).
 */
final class CheckpointDrain {
  private final Session s;
  private ShardedCheckpoints checkpoints;

  CheckpointDrain(Session session) {
    this.s = session;
  }

  void open(RunSpec run) {
    checkpoints = new ShardedCheckpoints(run.directory().checkpoints(), run.config());
  }

  /** The newest complete checkpoint, or null. */
  Checkpoint latest() {
    return checkpoints.latest().orElse(null);
  }

  boolean due(long done) {
    return checkpoints.due(done);
  }

  /**
   * Every worker snapshots its tensors before its next step and writes them in the background. The failure when
   * the checkpoint's staging directory cannot be made (then nothing is asked of the workers).
   */
  Optional<ShardedCheckpoints.Failure> save(RunState state, long done) {
    String dir;
    try {
      dir = checkpoints.begin(done, state.placement(), state.workers().keySet()).toString();
    } catch (UncheckedIOException e) {
      return Optional.of(checkpoints.failed(done, "its staging directory cannot be made: " + e.getCause()));
    }
    state.workers().values().forEach(w -> w.tell(new WorkerProtocol.SaveShard(state.run().runId(),
        state.placement().epoch(), done, dir)));
    return Optional.empty();
  }

  /** Waits for pending checkpoints to commit, then ends the run or takes the new workers in. */
  Behavior<Command> drain(Map<String, ActorRef<WorkerProtocol.Command>> live, RunState state) {
    if (checkpoints.idle()) return drained(live, state);
    RunState next = state.inPhase(RunState.Phase.DRAINING);
    s.armTimer(next);
    return s.placed(live, next).build();
  }

  Behavior<Command> onShardSaved(Map<String, ActorRef<WorkerProtocol.Command>> live, RunState state,
      ShardSaved shard) {
    if (!state.run().runId().equals(shard.runId())) return s.stray(shard);
    try {
      checkpoints.onShard(shard);
    } catch (UncheckedIOException e) {
      ShardedCheckpoints.Failure failure = checkpoints.failed(shard.step(), e.getMessage() + ": " + e.getCause());
      if (failure.fatal()) return s.fail(live, state, failure.reason());
    } catch (RuntimeException e) {
      return s.fail(live, state, "checkpoint of step " + shard.step() + " cannot be committed: " + e);
    }
    return drainedNow(state) ? drained(live, state) : Behaviors.same();
  }

  Behavior<Command> onShardFailed(Map<String, ActorRef<WorkerProtocol.Command>> live, RunState state,
      ShardFailed failed) {
    if (!state.run().runId().equals(failed.runId())) return s.stray(failed);
    Optional<ShardedCheckpoints.Failure> failure = checkpoints.onShardFailed(failed);
    if (failure.isPresent() && failure.get().fatal()) return s.fail(live, state, failure.get().reason());
    return drainedNow(state) ? drained(live, state) : Behaviors.same();
  }

  /** A lost worker will never send its shard: the pending checkpoints are given up. */
  void abortPending() {
    checkpoints.abortPending();
  }

  void close() {
    if (checkpoints != null) checkpoints.close();
    checkpoints = null;
  }

  private boolean drainedNow(RunState state) {
    return state.phase() == RunState.Phase.DRAINING && checkpoints.idle();
  }

  private Behavior<Command> drained(Map<String, ActorRef<WorkerProtocol.Command>> live, RunState state) {
    s.timers.cancel(Session.PHASE_TIMER);
    if (state.step() + 1 >= state.run().config().train().steps()) {
      s.stopWorkers(state, live);
      state.run().listener().onFinished();
      return s.membership.tracking(live, null);
    }
    s.context.getLog().info("taking in new workers at checkpoint step {}", state.step() + 1);
    return s.recovery.replan(live, state, latest());
  }
}
