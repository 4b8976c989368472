package dev.cohort.placement;

import static dev.cohort.placement.Models.dense;
import static dev.cohort.placement.Models.moe;
import static dev.cohort.placement.Models.parallel;
import static dev.cohort.placement.Models.workers;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cohort.config.LoopConfig;
import dev.cohort.config.ModelConfig;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PlacementPlannerTest {

  private static List<Integer> layerCounts(Placement placement) {
    return placement.stages().stream().map(StageSpec::numLayers).toList();
  }

  @Test
  void uniformLayersWithALightHeadSplitEvenly() {
    Placement placement = PlacementPlanner.plan(dense(8, Models.SMALL_VOCAB), parallel(4, 1, 1), workers(4), 0);
    assertEquals(List.of(2, 2, 2, 2), layerCounts(placement));
  }

  @Test
  void aHeavyLmHeadLeavesTheLastStageFewerLayers() {
    ModelConfig bigVocab = dense(8, 2048);
    assertTrue(LayerCost.head(bigVocab) > 5 * LayerCost.layer(bigVocab, 0), "the head must outweigh several layers");
    Placement placement = PlacementPlanner.plan(bigVocab, parallel(2, 1, 1), workers(2), 0);
    assertEquals(List.of(7, 1), layerCounts(placement));
  }

  @Test
  void cheaperFirstDenseLayersPutMoreLayersInTheFirstStage() {
    ModelConfig allMoe = moe(4, 8, 0);
    ModelConfig twoDenseFirst = moe(4, 8, 2);
    assertTrue(LayerCost.layer(twoDenseFirst, 0) < LayerCost.layer(twoDenseFirst, 2));
    assertEquals(List.of(2, 2), layerCounts(PlacementPlanner.plan(allMoe, parallel(2, 1, 1), workers(2), 0)));
    assertEquals(List.of(3, 1), layerCounts(PlacementPlanner.plan(twoDenseFirst, parallel(2, 1, 1), workers(2), 0)));
  }

  @Test
  void aLoopedBlockStaysOnOneStageAndWeighsItsPasses() {
    ModelConfig plain = dense(4, Models.SMALL_VOCAB);
    ModelConfig looped = new ModelConfig(plain.vocabSize(), plain.hiddenSize(), 4, plain.numHeads(),
        plain.numKvHeads(), plain.intermediateSize(), plain.ropeTheta(), plain.rmsNormEps(), true, plain.maxSeqLen(),
        plain.initStd(), plain.moe(), new LoopConfig(1, 3, 4));
    assertEquals(List.of(1, 1, 1, 1), layerCounts(PlacementPlanner.plan(plain, parallel(4, 1, 1), workers(4), 0)));
    Placement three = PlacementPlanner.plan(looped, parallel(3, 1, 1), workers(3), 0);
    assertEquals(List.of(1, 2, 1), layerCounts(three), "layers 1 and 2 (the loop) together");
    // The loop weighs 8 layer-passes against 1 for each plain layer: two stages of bottleneck 9 either way, and on a
    // tie the later stage gets fewer layers. Counting the loop's layers once would have cut it 2 + 2.
    assertEquals(List.of(3, 1), layerCounts(PlacementPlanner.plan(looped, parallel(2, 1, 1), workers(2), 0)));
    PlacementError error = assertThrows(PlacementError.class,
        () -> PlacementPlanner.plan(looped, parallel(4, 1, 1), workers(4), 0));
    assertTrue(error.getMessage().contains("looped layers [1, 3) stay on one stage"), error.getMessage());
  }

  @Test
  void everyLayerIsInExactlyOneStageAndOnlyTheEndsHoldEmbeddingAndHead() {
    ModelConfig model = moe(6, 4, 1);
    for (int pp = 1; pp <= model.numLayers(); pp++) {
      Placement placement = PlacementPlanner.plan(model, parallel(pp, 1, 1), workers(pp), 0);
      int next = 0;
      for (StageSpec stage : placement.stages()) {
        assertEquals(next, stage.firstLayer(), "stages must be consecutive");
        assertTrue(stage.numLayers() >= 1);
        assertEquals(stage.index() == 0, stage.hasEmbedding());
        assertEquals(stage.index() == pp - 1, stage.hasHead());
        for (int layer = stage.firstLayer(); layer < stage.endLayer(); layer++) {
          assertEquals(stage.index(), placement.stageOf(layer));
        }
        next = stage.endLayer();
      }
      assertEquals(model.numLayers(), next, "the last stage must end at the last layer");
    }
  }

  @Test
  void balancerFindsTheSmallestBottleneckOfAllContiguousSplits() {
    long[] costs = {5, 1, 9, 2, 2, 7, 3};
    long head = 4;
    StageBalancer balancer = new StageBalancer(costs, head);
    for (int stages = 1; stages <= costs.length; stages++) {
      int[] cuts = balancer.cuts(stages);
      assertEquals(bruteForceBottleneck(balancer, costs.length, stages), bottleneck(balancer, cuts),
          "stages=" + stages);
    }
  }

  @Test
  void workersInAnyOrderGetTheSamePlacement() {
    List<WorkerId> shuffled = new ArrayList<>(workers(8));
    Collections.shuffle(shuffled, new Random(7));
    ModelConfig model = moe(4, 8, 0);
    Placement ordered = PlacementPlanner.plan(model, parallel(2, 4, 2), workers(8), 3);
    Placement fromShuffled = PlacementPlanner.plan(model, parallel(2, 4, 2), shuffled, 3);
    assertEquals(ordered, fromShuffled);
    assertEquals(workers(8).get(5), ordered.worker(1, 1), "sorted worker i runs stage i / dp, replica i % dp");
  }

  @Test
  void stageCostsAddUpToTheWholeModel() {
    ModelConfig model = moe(5, 4, 2);
    Placement placement = PlacementPlanner.plan(model, parallel(3, 1, 1), workers(3), 0);
    long total = LayerCost.head(model);
    for (int layer = 0; layer < model.numLayers(); layer++) total += LayerCost.layer(model, layer);
    assertEquals(total, placement.stages().stream().mapToLong(StageSpec::flopsPerToken).sum());
  }

  private static long bottleneck(StageBalancer balancer, int[] cuts) {
    long worst = 0;
    for (int s = 0; s + 1 < cuts.length; s++) {
      assertTrue(cuts[s] < cuts[s + 1], "every stage needs a layer");
      worst = Math.max(worst, balancer.cost(cuts[s], cuts[s + 1]));
    }
    return worst;
  }

  /** Tries every placement of stages-1 cuts among the layers-1 gaps. */
  private static long bruteForceBottleneck(StageBalancer balancer, int layers, int stages) {
    long best = Long.MAX_VALUE;
    for (int mask = 0; mask < 1 << (layers - 1); mask++) {
      if (Integer.bitCount(mask) != stages - 1) continue;
      int[] cuts = new int[stages + 1];
      int next = 1;
      for (int gap = 0; gap < layers - 1; gap++) if ((mask & 1 << gap) != 0) cuts[next++] = gap + 1;
      cuts[stages] = layers;
      best = Math.min(best, bottleneck(balancer, cuts));
    }
    return best;
  }
}
