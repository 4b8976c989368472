package dev.cohort.worker.pipeline;

import static dev.cohort.worker.pipeline.PipelineSchedule.Action.backward;
import static dev.cohort.worker.pipeline.PipelineSchedule.Action.forward;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cohort.worker.pipeline.PipelineSchedule.Action;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class PipelineSimulatorTest {
  private static final double FORWARD = 1;
  private static final double BACKWARD = 2;

  @ParameterizedTest
  @ValueSource(strings = {"gpipe", "1f1b"})
  void bothSchedulesCompleteForEveryShape(String schedule) {
    PipelineScheduleTest.forEveryShape((stages, microBatches) -> {
      var result = PipelineSimulator.simulate(allStages(schedule, stages, microBatches), FORWARD, BACKWARD);
      // the critical path: micro-batch 0 down and back up, then the rest of the forwards and backwards of one stage
      double lowerBound = (stages - 1) * (FORWARD + BACKWARD) + microBatches * (FORWARD + BACKWARD);
      assertTrue(result.makespan() >= lowerBound - 1e-9, schedule + " " + stages + "x" + microBatches);
    });
  }

  @ParameterizedTest(name = "{0}: {1} stages, {2} micro-batches")
  @CsvSource({"gpipe,1,4", "gpipe,2,4", "gpipe,4,8", "gpipe,3,5", "1f1b,1,4", "1f1b,2,4", "1f1b,4,8", "1f1b,3,5"})
  void withEqualCostsTheBubbleIsTheIdealOne(String schedule, int stages, int microBatches) {
    var result = PipelineSimulator.simulate(allStages(schedule, stages, microBatches), 1, 1);
    double ideal = (stages - 1.0) / (microBatches + stages - 1.0);
    assertEquals(ideal, result.bubbleFraction(), 1e-9);
    assertEquals(2.0 * (microBatches + stages - 1), result.makespan(), 1e-9);
  }

  @Test
  void gpipeMakespanIsForwardsDownAndAcrossThenBackwardsUpAndAcross() {
    var result = PipelineSimulator.simulate(allStages("gpipe", 3, 4), FORWARD, BACKWARD);
    assertEquals((4 + 3 - 1) * (FORWARD + BACKWARD), result.makespan(), 1e-9);
  }

  @Test
  void aBackwardBeforeItsForwardIsADeadlockNamingTheStuckAction() {
    List<List<Action>> stages = List.of(List.of(forward(0), backward(0)), List.of(backward(0), forward(0)));
    var error = assertThrows(PipelineSimulator.Deadlock.class, () -> PipelineSimulator.simulate(stages, 1, 1));
    assertTrue(error.getMessage().contains("B0 on stage 1"), error.getMessage());
  }

  @Test
  void aFirstStageWithoutWarmUpWaitsInACircleWithTheNextStage() {
    // stage 0 wants B0 before F1; stage 1 wants F1 (from stage 0) before B0 (which stage 0 waits for)
    List<List<Action>> stages = List.of(
        List.of(forward(0), backward(0), forward(1), backward(1)),
        List.of(forward(0), forward(1), backward(0), backward(1)));
    var error = assertThrows(PipelineSimulator.Deadlock.class, () -> PipelineSimulator.simulate(stages, 1, 1));
    assertTrue(error.getMessage().contains("B0 on stage 0 waits for [B0 on stage 1]"), error.getMessage());
    assertTrue(error.getMessage().contains("F1 on stage 1 waits for [F1 on stage 0]"), error.getMessage());
  }

  @Test
  void anActionRepeatedOnAStageIsRefused() {
    var error = assertThrows(IllegalArgumentException.class,
        () -> PipelineSimulator.simulate(List.of(List.of(forward(0), forward(0), backward(0))), 1, 1));
    assertTrue(error.getMessage().contains("stage 0 runs F0 twice"), error.getMessage());
  }

  private static List<List<Action>> allStages(String schedule, int stages, int microBatches) {
    return IntStream.range(0, stages).mapToObj(s -> PipelineSchedule.of(schedule, s, stages, microBatches)).toList();
  }
}
