package dev.cohort.coordinator;

import dev.cohort.placement.Placement;
import dev.cohort.protocol.CoordinatorProtocol.Gradients;
import dev.cohort.protocol.StepSummary;
import dev.cohort.protocol.WorkerProtocol;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * Where a distributed run stands: the placement, the step and its phase, and which workers have answered. Immutable;
 * each transition returns a new value, so the coordinator's behaviour only decides and sends.
 *
 * @param workers the placement's workers by id
 * @param answered workers that answered the current phase (Ready, Gradients or Updated)
 * @param reports the current step's gradient reports
 */
record RunState(
    RunSpec run,
    Placement placement,
    Map<String, ActorRef<WorkerProtocol.Command>> workers,
    long step,
    Phase phase,
    Set<String> answered,
    List<Gradients> reports,
    StepSummary summary,
    long stepStartNanos) {

  /**
   * ASSIGNING waits for Ready, RESTORING for Restored, GRADIENTS for Gradients, UPDATES for Updated, DRAINING for the
   * shards of pending checkpoints (before the run ends or the placement grows).
   */
  enum Phase { ASSIGNING, RESTORING, GRADIENTS, UPDATES, DRAINING }

  static RunState assigning(RunSpec run, Placement placement, Map<String, ActorRef<WorkerProtocol.Command>> workers,
      long firstStep) {
    return new RunState(run, placement, Map.copyOf(workers), firstStep, Phase.ASSIGNING, Set.of(), List.of(), null, 0);
  }

  RunState answeredBy(String workerId) {
    Set<String> more = new HashSet<>(answered);
    more.add(workerId);
    return new RunState(run, placement, workers, step, phase, Set.copyOf(more), reports, summary, stepStartNanos);
  }

  RunState withReport(Gradients report) {
    List<Gradients> more = new ArrayList<>(reports);
    more.add(report);
    return new RunState(run, placement, workers, step, phase, answered, List.copyOf(more), summary, stepStartNanos)
        .answeredBy(report.workerId());
  }

  boolean everyoneAnswered() {
    return answered.containsAll(workers.keySet());
  }

  RunState startStep(long next, long nowNanos) {
    return new RunState(run, placement, workers, next, Phase.GRADIENTS, Set.of(), List.of(), null, nowNanos);
  }

  RunState startUpdates(StepSummary stepSummary) {
    return new RunState(run, placement, workers, step, Phase.UPDATES, Set.of(), reports, stepSummary, stepStartNanos);
  }

  /** The same step in another phase, nobody having answered it yet. */
  RunState inPhase(Phase next) {
    return new RunState(run, placement, workers, step, next, Set.of(), reports, summary, stepStartNanos);
  }

  /** Whether a message names this run, its placement epoch and (for step messages) the current step and phase. */
  boolean expects(String runId, long epoch, long messageStep, Phase messagePhase) {
    return run.runId().equals(runId) && placement.epoch() == epoch && step == messageStep && phase == messagePhase;
  }
}
