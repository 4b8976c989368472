package dev.cohort.placement;

import static dev.cohort.placement.Models.moe;
import static dev.cohort.placement.Models.parallel;
import static dev.cohort.placement.Models.workers;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cohort.config.LossScaleConfig;
import dev.cohort.config.TrainConfig;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class PlacementTest {
  private static final int EXPERTS = 8;
  /** pp=2 x dp=4 with ep=2: two ep groups of two workers per stage, four experts each. */
  private final Placement placement = PlacementPlanner.plan(moe(4, EXPERTS, 0), parallel(2, 4, 2), workers(8), 1);

  @Test
  void everyEpGroupOwnsEveryExpertExactlyOnce() {
    for (int stage = 0; stage < placement.pp(); stage++) {
      for (int group = 0; group < placement.dp() / placement.ep(); group++) {
        List<Integer> owned = new ArrayList<>();
        for (WorkerId worker : placement.epGroupOf(stage, group * placement.ep())) {
          owned.addAll(placement.role(worker).experts());
        }
        assertEquals(IntStream.range(0, EXPERTS).boxed().toList(), owned.stream().sorted().toList());
      }
    }
    assertEquals(List.of(4, 5, 6, 7), placement.role(placement.worker(1, 3)).experts(), "rank 1 owns the second half");
  }

  @Test
  void expertOwnerIsTheGroupMemberThatOwnsTheExpert() {
    for (int stage = 0; stage < placement.pp(); stage++) {
      for (int replica = 0; replica < placement.dp(); replica++) {
        Role asker = placement.role(placement.worker(stage, replica));
        for (int expert = 0; expert < EXPERTS; expert++) {
          Role owner = placement.role(placement.expertOwner(stage, replica, expert));
          assertTrue(owner.ownsExpert(expert));
          assertEquals(stage, owner.stage());
          assertEquals(asker.epGroup(), owner.epGroup(), "experts are dispatched inside the asker's ep group");
        }
      }
    }
  }

  @Test
  void replicasOfAStageAreItsDataParallelPeersInReplicaOrder() {
    Set<WorkerId> seen = new HashSet<>();
    for (int stage = 0; stage < placement.pp(); stage++) {
      List<WorkerId> replicas = placement.replicasOf(stage);
      assertEquals(placement.dp(), replicas.size());
      for (int replica = 0; replica < replicas.size(); replica++) {
        Role role = placement.role(replicas.get(replica));
        assertEquals(stage, role.stage());
        assertEquals(replica, role.replica());
        assertTrue(seen.add(replicas.get(replica)), "a worker runs one replica of one stage");
      }
    }
    assertEquals(8, seen.size());
  }

  @Test
  void expertReplicasHoldTheSameExpertsOnePerGroup() {
    List<WorkerId> peers = placement.expertReplicasOf(0, 1);
    assertEquals(List.of(placement.worker(0, 1), placement.worker(0, 3)), peers);
    assertEquals(placement.role(peers.get(0)).experts(), placement.role(peers.get(1)).experts());
  }

  @Test
  void aStageWithoutMoeLayersOwnsNoExperts() {
    Placement denseFirst = PlacementPlanner.plan(moe(4, EXPERTS, 3), parallel(2, 2, 2), workers(4), 0);
    assertEquals(3, denseFirst.stage(0).endLayer(), "stage 0 must hold only the three dense layers for this check");
    assertEquals(List.of(4, 5, 6, 7), denseFirst.role(denseFirst.worker(1, 1)).experts());
    assertEquals(List.of(), denseFirst.role(denseFirst.worker(0, 1)).experts());
    PlacementError error = assertThrows(PlacementError.class, () -> denseFirst.expertOwner(0, 0, 3));
    assertTrue(error.getMessage().contains("no worker of stage 0 owns expert 3"), error.getMessage());
  }

  @Test
  void describeNamesEveryWorkerWithItsStageAndExperts() {
    String table = placement.describe();
    for (WorkerId worker : workers(8)) assertTrue(table.contains(worker.value()), worker + " missing from\n" + table);
    assertTrue(table.startsWith("placement epoch 1: pp=2 x dp=4, ep=2 (8 workers)"), table);
    String lastRow =
        table.lines().filter(line -> line.startsWith(placement.worker(1, 3).value())).findFirst().orElseThrow();
    assertTrue(lastRow.contains("head") && lastRow.contains("4..7"), lastRow);
  }

  @Test
  void replicasSplitTheMicroBatchesIntoContiguousBlocks() {
    assertEquals(List.of(4, 5), Placement.microBatchesOf(2, 4, 8));
    assertEquals(List.of(0, 1, 2, 3, 4, 5, 6, 7), Placement.microBatchesOf(0, 1, 8));
  }

  @Test
  void anyNumberOfReplicasReadsTheSameSamplesInAStep() {
    TrainConfig train = trainConfig(3, 4);
    long step = 5;
    Set<Long> singleWorker = samplesOfStep(train, step, 1);
    assertEquals(train.globalBatch(), singleWorker.size());
    assertEquals(step * train.globalBatch(), singleWorker.stream().mapToLong(Long::longValue).min().orElseThrow());
    assertEquals(singleWorker, samplesOfStep(train, step, 2));
    assertEquals(singleWorker, samplesOfStep(train, step, 4));
  }

  private static Set<Long> samplesOfStep(TrainConfig train, long step, int dp) {
    Set<Long> samples = new HashSet<>();
    for (int replica = 0; replica < dp; replica++) {
      for (int microBatch : Placement.microBatchesOf(replica, dp, train.gradAccumSteps())) {
        for (int row = 0; row < train.microBatchSize(); row++) {
          assertTrue(samples.add(Placement.globalSampleIndex(train, step, microBatch, row)), "a sample read twice");
        }
      }
    }
    return samples;
  }

  static TrainConfig trainConfig(int microBatchSize, int gradAccumSteps) {
    return new TrainConfig(10, microBatchSize, gradAccumSteps, 1e-3, 0.1, 0, 0.1, 0.9, 0.95, 1e-8, 1.0, 0, 0,
        "float32", "fp32", new LossScaleConfig(65536, 2, 0.5, 2000), "cpu", 0, TrainConfig.RECOMPUTE_NONE);
  }
}
