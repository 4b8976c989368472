package dev.cohort.coordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cohort.config.CohortConfig;
import dev.cohort.config.ParallelConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The layout a run continues on after losing workers: as close to the configured one as the workers left allow. */
class ReplanTest {
  private static CohortConfig configured(String... settings) {
    return CohortConfig.load(null, List.of(settings));
  }

  @Test
  void enoughWorkersKeepTheConfiguredLayout() {
    CohortConfig c = configured("parallel.pp = 2", "parallel.dp = 2", "train.grad-accum-steps = 4");
    assertEquals(c.parallel(), Replan.fit(c, 4).orElseThrow());
    assertEquals(c.parallel(), Replan.fit(c, 5).orElseThrow(), "a spare worker changes nothing");
  }

  @Test
  void fewerWorkersKeepThePipelineAndTheMostReplicasThatDivideTheMicroBatches() {
    CohortConfig c = configured("parallel.pp = 2", "parallel.dp = 3", "train.grad-accum-steps = 6",
        "parallel.schedule = gpipe");
    assertEquals(new ParallelConfig(2, 2, 1, "gpipe", 0), Replan.fit(c, 5).orElseThrow());
    assertEquals(new ParallelConfig(2, 1, 1, "gpipe", 0), Replan.fit(c, 3).orElseThrow());
    assertEquals(new ParallelConfig(1, 1, 1, "gpipe", 0), Replan.fit(c, 1).orElseThrow(), "one worker holds it all");
  }

  @Test
  void replicasThatDoNotDivideTheMicroBatchesAreLeftIdle() {
    CohortConfig c = configured("parallel.dp = 4", "train.grad-accum-steps = 4");
    assertEquals(2, Replan.fit(c, 3).orElseThrow().dp(), "3 does not divide 4 micro-batches: 2 replicas");
  }

  @Test
  void expertParallelismStaysWhereItDividesTheReplicas() {
    CohortConfig c = configured("parallel.dp = 4", "parallel.ep = 2", "train.grad-accum-steps = 4");
    assertEquals(2, Replan.fit(c, 2).orElseThrow().ep());
    assertEquals(1, Replan.fit(c, 1).orElseThrow().ep());
  }

  @Test
  void noWorkerNoLayout() {
    assertTrue(Replan.fit(configured("parallel.dp = 2", "train.grad-accum-steps = 2"), 0).isEmpty());
  }

  @Test
  void aCoordinatorTakingOverStartsOnTheWorkersPresentAndAFirstOneWaitsForAll() {
    CohortConfig c = configured("parallel.dp = 2", "train.grad-accum-steps = 4");
    assertEquals(2, Replan.workersToStart(c, 0), "a run's first coordinator waits for every configured worker");
    assertEquals(1, Replan.workersToStart(c, 1), "one worker left when the old coordinator died: go on with it");
    assertEquals(2, Replan.workersToStart(c, 3), "a spare beyond the layout is not waited for");
  }
}
