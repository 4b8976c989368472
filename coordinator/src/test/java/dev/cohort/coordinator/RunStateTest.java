package dev.cohort.coordinator;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cohort.config.CohortConfig;
import dev.cohort.placement.Placement;
import dev.cohort.placement.PlacementPlanner;
import dev.cohort.placement.WorkerId;
import dev.cohort.protocol.WorkerProtocol;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The coordinator's state as a plain value: which messages it accepts, when a phase is complete. */
class RunStateTest {
  private static final CohortConfig CONFIG = CohortConfig.load(null, List.of("parallel.dp = 2",
      "train.grad-accum-steps = 2"));
  private static final Placement PLACEMENT = PlacementPlanner.plan(CONFIG.model(), CONFIG.parallel(),
      List.of(new WorkerId("a"), new WorkerId("b")), 3);
  private static final RunSpec RUN = new RunSpec("run-1", CONFIG, "", null, null);

  private static final ActorTestKit KIT = ActorTestKit.create();

  @AfterAll
  static void shutdown() {
    KIT.shutdownTestKit();
  }

  private static RunState stepping(long step) {
    Map<String, ActorRef<WorkerProtocol.Command>> workers = Map.of(
        "a", KIT.<WorkerProtocol.Command>createTestProbe().ref(), "b", KIT.<WorkerProtocol.Command>createTestProbe().ref());
    return RunState.assigning(RUN, PLACEMENT, workers, 0).startStep(step, 0);
  }

  @Test
  void messagesOfAnotherRunEpochStepOrPhaseAreNotExpected() {
    RunState state = stepping(7);
    assertTrue(state.expects("run-1", 3, 7, RunState.Phase.GRADIENTS));
    assertFalse(state.expects("run-0", 3, 7, RunState.Phase.GRADIENTS), "another run");
    assertFalse(state.expects("run-1", 2, 7, RunState.Phase.GRADIENTS), "a stale placement epoch");
    assertFalse(state.expects("run-1", 3, 6, RunState.Phase.GRADIENTS), "a late answer to the previous step");
    assertFalse(state.expects("run-1", 3, 7, RunState.Phase.UPDATES), "an answer for the other phase");
  }

  @Test
  void aPhaseEndsOnceEveryWorkerOfThePlacementAnswered() {
    RunState state = stepping(0).answeredBy("a");
    assertFalse(state.everyoneAnswered());
    assertFalse(state.answeredBy("a").everyoneAnswered(), "a repeated answer counts once");
    assertTrue(state.answeredBy("b").everyoneAnswered());
  }
}
