package dev.cohort.coordinator;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cohort.checkpoint.Checkpoint;
import dev.cohort.checkpoint.ManifestFile;
import dev.cohort.checkpoint.TrainingState;
import dev.cohort.config.CohortConfig;
import dev.cohort.config.ParallelConfig;
import dev.cohort.config.TrainConfig;
import dev.cohort.metrics.ObjectiveFigures;
import dev.cohort.placement.Placement;
import dev.cohort.placement.PlacementPlanner;
import dev.cohort.placement.WorkerId;
import dev.cohort.protocol.CoordinatorProtocol.Command;
import dev.cohort.protocol.CoordinatorProtocol.Gradients;
import dev.cohort.protocol.CoordinatorProtocol.Ready;
import dev.cohort.protocol.CoordinatorProtocol.Restored;
import dev.cohort.protocol.CoordinatorProtocol.Updated;
import dev.cohort.protocol.StepSummary;
import dev.cohort.protocol.WorkerProtocol;
import dev.cohort.run.LrSchedule;
import dev.cohort.run.MetricsLog;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;

/**
 * One placement's life: every worker is assigned its part (ASSIGNING), restores the checkpoint if there is one
 * (RESTORING), then each step runs in two phases: forward/backward everywhere (GRADIENTS), then the same update
 * everywhere (UPDATES). After a step its line is written and {@link AfterStep} decides what comes next.
 */
final class StepCycle {
  private final Session s;
  private MetricsLog metrics;
  /** The checkpoint the current placement restores before its first step, or null (a fresh start). */
  private Checkpoint restoreFrom;
  /** The current placement's first step: it warms up (JIT, native memory, connections), so it has no deadline. */
  private long placementFirstStep;
  /** The data addresses the current placement's workers sent with Ready, by worker id. */
  private final SortedMap<String, String> dataAddresses = new TreeMap<>();
  /** Whether the next RunStep is the placement's first, which carries the data addresses to every worker. */
  private boolean announceAddresses;

  StepCycle(Session session) {
    this.s = session;
  }

  /** Sent Assign to every worker of the placement; waiting for each one's Ready. */
  Behavior<Command> assigning(Map<String, ActorRef<WorkerProtocol.Command>> live, RunState state) {
    return s.placed(live, state)
        .onMessage(Ready.class, ready -> {
          if (!state.expects(ready.runId(), ready.epoch(), state.step(), RunState.Phase.ASSIGNING)) {
            return s.stray(ready);
          }
          RunState next = state.answeredBy(ready.workerId());
          dataAddresses.put(ready.workerId(), ready.dataAddress());
          if (!next.everyoneAnswered()) return assigning(live, next);
          return restoreFrom == null ? startStep(live, next, next.step()) : restore(live, next);
        })
        .build();
  }

  /** Sent Restore to every worker; waiting for each one's Restored. */
  Behavior<Command> restoring(Map<String, ActorRef<WorkerProtocol.Command>> live, RunState state) {
    return s.placed(live, state)
        .onMessage(Restored.class, restored -> {
          if (!state.expects(restored.runId(), restored.epoch(), state.step(), RunState.Phase.RESTORING)) {
            return s.stray(restored);
          }
          RunState next = state.answeredBy(restored.workerId());
          return next.everyoneAnswered() ? startStep(live, next, next.step()) : restoring(live, next);
        })
        .build();
  }

  /** Sent RunStep; collecting every worker's Gradients. */
  Behavior<Command> stepping(Map<String, ActorRef<WorkerProtocol.Command>> live, RunState state) {
    return s.placed(live, state)
        .onMessage(Gradients.class, g -> {
          if (!state.expects(g.runId(), g.epoch(), g.step(), RunState.Phase.GRADIENTS)) return s.stray(g);
          RunState next = state.withReport(g);
          return next.everyoneAnswered() ? applyUpdates(live, next) : stepping(live, next);
        })
        .build();
  }

  /** Sent ApplyUpdate; collecting every worker's Updated. */
  Behavior<Command> updating(Map<String, ActorRef<WorkerProtocol.Command>> live, RunState state) {
    return s.placed(live, state)
        .onMessage(Updated.class, u -> {
          if (!state.expects(u.runId(), u.epoch(), u.step(), RunState.Phase.UPDATES)) return s.stray(u);
          RunState next = state.answeredBy(u.workerId());
          return next.everyoneAnswered() ? finishStep(live, next) : updating(live, next);
        })
        .build();
  }

  /** The behaviour of {@code state}'s phase, with the worker map updated. */
  Behavior<Command> sameState(Map<String, ActorRef<WorkerProtocol.Command>> live, RunState state) {
    return switch (state.phase()) {
      case ASSIGNING -> assigning(live, state);
      case RESTORING -> restoring(live, state);
      case GRADIENTS -> stepping(live, state);
      case UPDATES -> updating(live, state);
      case DRAINING -> s.placed(live, state).build();
    };
  }

  /** A new run (or a resumed one, from its newest complete checkpoint) on the workers registered now. */
  Behavior<Command> start(Map<String, ActorRef<WorkerProtocol.Command>> workers, RunSpec run) {
    s.timers.cancel(Session.JOIN_TIMER);
    s.configured = run;
    s.stragglers.reset(run.config().cluster().stragglerLimit());
    int available = s.membership.available(workers).size();
    ParallelConfig layout = Replan.fit(run.config(), available).orElseThrow();
    if (layout.equals(run.config().parallel())) return assign(workers, run, 1, s.resumeFrom);
    s.context.getLog().warn("taking over run {} on the {} worker(s) left (pp={} dp={} ep={})", run.runId(),
        available, layout.pp(), layout.dp(), layout.ep());
    return assign(workers, run.withParallel(layout), 1, s.resumeFrom);
  }

  /** Places the run on the available workers at {@code epoch}; they restore {@code from} first when not null. */
  Behavior<Command> assign(Map<String, ActorRef<WorkerProtocol.Command>> workers, RunSpec run, long epoch,
      Checkpoint from) {
    CohortConfig config = run.config();
    List<String> ids = s.membership.available(workers).stream().sorted().limit(config.parallel().workers()).toList();
    Placement placement = PlacementPlanner.plan(config.model(), config.parallel(),
        ids.stream().map(WorkerId::new).toList(), epoch);
    s.context.getLog().info("placement epoch {} of run {}:\n{}", epoch, run.runId(), placement.describe());
    run.listener().onPlacement(placement);
    dataAddresses.clear();
    announceAddresses = true;
    Map<String, ActorRef<WorkerProtocol.Command>> assigned = new TreeMap<>();
    ids.forEach(id -> assigned.put(id, workers.get(id)));
    List<ActorRef<WorkerProtocol.Command>> refs = ids.stream().map(workers::get).toList();
    for (String id : ids) {
      workers.get(id).tell(new WorkerProtocol.Assign(run.runId(), placement.epoch(), run.configHocon(), ids, refs,
          s.context.getSelf().narrow()));
    }
    long firstStep = from == null ? 0 : from.step();
    closeMetrics();
    metrics = new MetricsLog(run.directory().metrics(), firstStep); // drops lines of steps to be done again
    restoreFrom = from;
    placementFirstStep = firstStep;
    RunState state = RunState.assigning(run, placement, assigned, firstStep);
    s.armTimer(state);
    return assigning(workers, state);
  }

  private Behavior<Command> restore(Map<String, ActorRef<WorkerProtocol.Command>> live, RunState state) {
    RunState next = state.inPhase(RunState.Phase.RESTORING);
    s.context.getLog().info("every worker loads checkpoint {}", ShardedCheckpoints.describe(restoreFrom));
    List<String> files = restoreFrom.files().stream().map(ManifestFile::name).toList();
    long optimizerSteps = TrainingState.of(restoreFrom).optimizerSteps();
    next.workers().values().forEach(w -> w.tell(new WorkerProtocol.Restore(next.run().runId(),
        next.placement().epoch(), restoreFrom.dir().toString(), files, optimizerSteps)));
    s.armTimer(next);
    return restoring(live, next);
  }

  Behavior<Command> startStep(Map<String, ActorRef<WorkerProtocol.Command>> live, RunState state, long step) {
    s.recovery.trainingAgain(step);
    RunState next = state.startStep(step, System.nanoTime());
    List<String> addresses = announceAddresses ? List.copyOf(dataAddresses.values()) : List.of();
    announceAddresses = false;
    next.workers().values().forEach(w -> w.tell(
        new WorkerProtocol.RunStep(next.run().runId(), next.placement().epoch(), step, addresses)));
    s.armTimer(next);
    return stepping(live, next);
  }

  private Behavior<Command> applyUpdates(Map<String, ActorRef<WorkerProtocol.Command>> live, RunState state) {
    TrainConfig train = state.run().config().train();
    StepSummary summary = StepSummary.of(state.reports().stream().map(Gradients::report).toList(),
        train.gradAccumSteps(), state.run().config().model().moeLayerCount());
    RunState next = state.startUpdates(summary);
    Optional<Update> update = Update.of(train, state.step(), summary.gradNorm());
    if (update.isEmpty()) {
      s.context.getLog().warn("step {}: gradient norm is {}; update skipped", state.step(), summary.gradNorm());
      return finishStep(live, next);
    }
    next.workers().values().forEach(w -> w.tell(new WorkerProtocol.ApplyUpdate(next.run().runId(),
        next.placement().epoch(), next.step(), update.get().lr(), update.get().clipScale())));
    s.armTimer(next);
    return updating(live, next);
  }

  private Behavior<Command> finishStep(Map<String, ActorRef<WorkerProtocol.Command>> live, RunState state) {
    writeLine(state);
    s.stragglers.stepFinished();
    long done = state.step() + 1;
    boolean checkpoint = s.checkpoints.due(done);
    if (checkpoint) {
      Optional<ShardedCheckpoints.Failure> failure = s.checkpoints.save(state, done);
      if (failure.isPresent() && failure.get().fatal()) return s.fail(live, state, failure.get().reason());
    }
    boolean canGrow = checkpoint && s.recovery.canGrow(live, state);
    return switch (AfterStep.of(done, state.run().config().train().steps(), checkpoint, canGrow)) {
      case NEXT_STEP -> startStep(live, state, done);
      case FINISH, GROW -> s.checkpoints.drain(live, state);
    };
  }

  /** The step's metrics.jsonl line, also handed to the run's listener. */
  private void writeLine(RunState state) {
    RunSpec run = state.run();
    TrainConfig train = run.config().train();
    double stepMs = (System.nanoTime() - state.stepStartNanos()) / 1e6;
    StepSummary summary = state.summary();
    ObjectNode line = StepLine.of(state.step(), summary, LrSchedule.of(train).at(state.step()),
        !Double.isFinite(summary.gradNorm()), stepMs, summary.tokens() * 1000.0 / stepMs, state.reports());
    ObjectiveFigures.put(line, ObjectiveFigures.of(run.config().recipe().objective()), summary.objectiveFigures(),
        train.gradAccumSteps());
    metrics.write(line);
    run.listener().onStep(line, train.steps());
  }

  long placementFirstStep() {
    return placementFirstStep;
  }

  void closeMetrics() {
    if (metrics != null) metrics.close();
    metrics = null;
  }
}
