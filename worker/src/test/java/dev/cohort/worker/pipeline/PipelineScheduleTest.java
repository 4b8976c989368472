package dev.cohort.worker.pipeline;

import static dev.cohort.worker.pipeline.PipelineSchedule.Action.backward;
import static dev.cohort.worker.pipeline.PipelineSchedule.Action.forward;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cohort.worker.pipeline.PipelineSchedule.Action;
import dev.cohort.worker.pipeline.PipelineSchedule.Action.Kind;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PipelineScheduleTest {
  private static final int MAX_STAGES = 4;
  private static final int MAX_MICRO_BATCHES = 8;

  @Test
  void gpipeRunsEveryForwardThenEveryBackwardInReverse() {
    assertEquals(List.of(forward(0), forward(1), forward(2), backward(2), backward(1), backward(0)),
        PipelineSchedule.of("gpipe", 1, 2, 3));
  }

  @Test
  void oneFOneBWarmsUpByTheStagesAfterThenAlternatesThenCoolsDown() {
    // stage 0 of 4: three warm-up forwards, then F3 B0, F4 B1, then B2 B3 B4
    assertEquals(List.of(forward(0), forward(1), forward(2), forward(3), backward(0), forward(4), backward(1),
        backward(2), backward(3), backward(4)), PipelineSchedule.of("1f1b", 0, 4, 5));
    // the last stage never waits: F and B in turn from the start
    assertEquals(List.of(forward(0), backward(0), forward(1), backward(1)), PipelineSchedule.of("1f1b", 3, 4, 2));
    // fewer micro-batches than stages after: everything warms up
    assertEquals(List.of(forward(0), forward(1), backward(0), backward(1)), PipelineSchedule.of("1f1b", 0, 4, 2));
  }

  @ParameterizedTest
  @ValueSource(strings = {"gpipe", "1f1b"})
  void everyStageRunsEachMicroBatchOnceForwardAndOnceBackward(String schedule) {
    forEveryShape((stages, microBatches) -> {
      for (int stage = 0; stage < stages; stage++) {
        List<Action> actions = PipelineSchedule.of(schedule, stage, stages, microBatches);
        for (Kind kind : Kind.values()) {
          List<Integer> batches = actions.stream().filter(a -> a.kind() == kind).map(Action::microBatch).sorted()
              .collect(Collectors.toList());
          assertEquals(IntStream.range(0, microBatches).boxed().toList(), batches,
              schedule + " " + kind + " on stage " + stage + " of " + stages);
        }
      }
    });
  }

  @Test
  void oneFOneBHoldsAtMostTheStagesFromHereOnWhileGpipeHoldsEveryMicroBatch() {
    forEveryShape((stages, microBatches) -> {
      for (int stage = 0; stage < stages; stage++) {
        int oneFOneB = PipelineSimulator.peakActivations(PipelineSchedule.of("1f1b", stage, stages, microBatches));
        assertEquals(Math.min(stages - stage, microBatches), oneFOneB, "1f1b stage " + stage + " of " + stages);
        int gpipe = PipelineSimulator.peakActivations(PipelineSchedule.of("gpipe", stage, stages, microBatches));
        assertEquals(microBatches, gpipe, "gpipe stage " + stage + " of " + stages);
      }
    });
  }

  @Test
  void anUnknownScheduleIsRefusedNamingTheKnownOnes() {
    var error = assertThrows(IllegalArgumentException.class, () -> PipelineSchedule.of("zero-bubble", 0, 2, 4));
    assertTrue(error.getMessage().contains("zero-bubble") && error.getMessage().contains("gpipe")
        && error.getMessage().contains("1f1b"), error.getMessage());
  }

  @Test
  void aStageOutsideThePipelineIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> PipelineSchedule.of("gpipe", 2, 2, 4));
    assertThrows(IllegalArgumentException.class, () -> PipelineSchedule.of("gpipe", 0, 2, 0));
  }

  interface Shape {
    void check(int stages, int microBatches);
  }

  static void forEveryShape(Shape check) {
    for (int stages = 1; stages <= MAX_STAGES; stages++) {
      for (int microBatches = 1; microBatches <= MAX_MICRO_BATCHES; microBatches++) check.check(stages, microBatches);
    }
  }
}
