package dev.cohort.coordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cohort.config.CohortConfig;
import dev.cohort.config.TrainConfig;
import dev.cohort.run.LrSchedule;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The coordinator's decisions that need no actor: what a step's update is, what follows it, who is lost. */
class StepDecisionsTest {
  private static final TrainConfig TRAIN = CohortConfig.load(null, List.of("train.grad-clip = 1.0",
      "train.steps = 10")).train();

  @Test
  void everyWorkerGetsTheScheduledLearningRateAndTheClipFactorOfTheGlobalNorm() {
    Update update = Update.of(TRAIN, 3, 4.0).orElseThrow();
    assertEquals(LrSchedule.of(TRAIN).at(3), update.lr());
    assertEquals(1.0 / (4.0 + 1e-6), update.clipScale(), 1e-12);
    assertEquals(1.0, Update.of(TRAIN, 3, 0.5).orElseThrow().clipScale(), "a norm under the clip is left alone");
  }

  @Test
  void aNonFiniteGlobalNormSkipsTheUpdateOnEveryWorker() {
    assertTrue(Update.of(TRAIN, 3, Double.NaN).isEmpty());
    assertTrue(Update.of(TRAIN, 3, Double.POSITIVE_INFINITY).isEmpty());
  }

  @Test
  void theLastStepDrainsAndEndsTheRunEvenWhenWorkersCouldBeTakenIn() {
    assertEquals(AfterStep.FINISH, AfterStep.of(10, 10, true, true));
    assertEquals(AfterStep.FINISH, AfterStep.of(10, 10, false, false));
  }

  @Test
  void newWorkersAreTakenInOnlyAtACheckpoint() {
    assertEquals(AfterStep.GROW, AfterStep.of(4, 10, true, true));
    assertEquals(AfterStep.NEXT_STEP, AfterStep.of(4, 10, false, true), "no checkpoint to restore them from");
    assertEquals(AfterStep.NEXT_STEP, AfterStep.of(4, 10, true, false));
  }

  @Test
  void aWorkerThatIsOnlyUnreachableGetsItsGraceWhileOneThatLeftIsLost() {
    Set<String> placed = Set.of("a", "b", "c");
    assertEquals(Set.of("c"), Recovery.lost(placed, Set.of("a"), Set.of("b")));
    assertEquals(Set.of(), Recovery.lost(placed, Set.of("a", "b", "c", "spare"), Set.of()));
  }

  @Test
  void aDownedWorkerIsNeverPlacedAgainWhileTheReceptionistStillListsIt() {
    assertEquals(List.of("a", "c"), Membership.usable(List.of("a", "b", "c"), Set.of("b")));
  }
}
