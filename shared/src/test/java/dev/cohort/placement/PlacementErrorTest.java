package dev.cohort.placement;

import static dev.cohort.placement.Models.moe;
import static dev.cohort.placement.Models.parallel;
import static dev.cohort.placement.Models.workers;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.cohort.config.ModelConfig;
import dev.cohort.config.ParallelConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

class PlacementErrorTest {
  private static final ModelConfig FOUR_LAYERS_EIGHT_EXPERTS = moe(4, 8, 0);

  private static String planError(ModelConfig model, ParallelConfig parallel, List<WorkerId> workers) {
    return assertThrows(PlacementError.class, () -> PlacementPlanner.plan(model, parallel, workers, 0)).getMessage();
  }

  @Test
  void tooFewWorkersNamesHowManyAreNeeded() {
    assertEquals("pp=2 x dp=2 needs 4 workers, 3 registered",
        planError(FOUR_LAYERS_EIGHT_EXPERTS, parallel(2, 2, 1), workers(3)));
  }

  @Test
  void moreStagesThanLayersIsRejected() {
    assertEquals("pp=5 exceeds num-layers=4: every pipeline stage needs at least one layer",
        planError(FOUR_LAYERS_EIGHT_EXPERTS, parallel(5, 1, 1), workers(5)));
  }

  @Test
  void epMustDivideDp() {
    assertEquals("ep=3 must divide dp=4: a stage's replicas form dp/ep expert groups",
        planError(FOUR_LAYERS_EIGHT_EXPERTS, parallel(1, 4, 3), workers(4)));
  }

  @Test
  void epMustDivideTheExperts() {
    assertEquals("ep=4 must divide num-experts=6: each ep rank owns an equal share of the experts",
        planError(moe(4, 6, 0), parallel(1, 4, 4), workers(4)));
  }

  @Test
  void expertParallelismNeedsAnMoeLayer() {
    assertEquals("ep=2 needs MoE layers to spread experts over, but no layer is MoE "
            + "(num-experts=8, first-dense-layers=4, num-layers=4)",
        planError(moe(4, 8, 4), parallel(1, 2, 2), workers(2)));
  }

  @Test
  void duplicateWorkerIdsAreRejected() {
    WorkerId twice = workers(1).get(0);
    assertEquals("duplicate worker id '" + twice + "'",
        planError(FOUR_LAYERS_EIGHT_EXPERTS, parallel(1, 2, 1), List.of(twice, twice)));
  }

  @Test
  void gradAccumStepsMustSplitEvenlyOverReplicas() {
    PlacementError error = assertThrows(PlacementError.class, () -> Placement.microBatchesOf(0, 4, 6));
    assertEquals("train.grad-accum-steps=6 must be a multiple of dp=4 so that every data-parallel replica runs "
        + "the same number of micro-batches", error.getMessage());
  }

  @Test
  void aWorkerOutsideThePlacementHasNoRole() {
    Placement placement = PlacementPlanner.plan(FOUR_LAYERS_EIGHT_EXPERTS, parallel(1, 1, 1), workers(1), 7);
    WorkerId stranger = new WorkerId("worker-9@127.0.0.1:25529");
    PlacementError error = assertThrows(PlacementError.class, () -> placement.role(stranger));
    assertEquals("worker " + stranger + " has no role in placement epoch 7", error.getMessage());
  }
}
