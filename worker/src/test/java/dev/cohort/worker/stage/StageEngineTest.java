package dev.cohort.worker.stage;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.cohort.config.CohortConfig;
import dev.cohort.model.Parameters;
import dev.cohort.model.Transformer;
import dev.cohort.model.layout.ModelLayout;
import dev.cohort.protocol.StepSummary;
import dev.cohort.run.Corpora;
import dev.cohort.worker.train.AdamW;
import dev.cohort.worker.train.Batches;
import dev.cohort.worker.train.StepResult;
import dev.cohort.worker.train.TrainingStep;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Pipeline and data parallel steps (threads of one JVM) against the single-worker step on the same data. */
class StageEngineTest {
  private static final int STEPS = 4;
  private static final double RELATIVE = 1e-4;
  @TempDir static Path prepared;

  private static CohortConfig config(String... parallel) {
    List<String> overrides = new ArrayList<>(List.of("model.vocab-size = 50257", "data.seq-len = 32",
        "data.prepared = \"" + prepared.resolve("brown") + "\"", "train.micro-batch-size = 2",
        "train.grad-accum-steps = 4", "train.warmup-steps = 1", "train.lr = 0.01", "train.steps = " + STEPS));
    overrides.addAll(List.of(parallel));
    return CohortConfig.load(Path.of("../conf/model/tiny.conf"), overrides);
  }

  private static double[] singleWorkerLosses() {
    CohortConfig config = config();
    try (NDManager manager = NDManager.newBaseManager()) {
      Parameters params = Parameters.initialize(ModelLayout.of(config.model()), config.run().seed(), manager,
          DataType.FLOAT32);
      params.requireGradients();
      TrainingStep step = new TrainingStep(config.train(), new Transformer(config.model(), params, manager), params,
          new AdamW(config.train(), params), Batches.of(Corpora.openOrPrepare(config), config), manager);
      double[] losses = new double[STEPS];
      for (int s = 0; s < STEPS; s++) {
        StepResult r = step.run(s);
        losses[s] = r.loss();
      }
      return losses;
    }
  }

  private static void assertSameLosses(String... parallel) throws Exception {
    double[] expected = singleWorkerLosses();
    try (LocalCluster cluster = new LocalCluster(config(parallel))) {
      for (int s = 0; s < STEPS; s++) {
        StepSummary summary = cluster.step(s);
        assertEquals(expected[s], summary.loss(), RELATIVE * expected[s],
            String.join(" ", parallel) + ": loss of step " + s);
      }
    }
  }

  @Test
  void twoPipelineStagesWithOneFOneBReproduceTheSingleWorkerLosses() throws Exception {
    assertSameLosses("parallel.pp = 2", "parallel.schedule = 1f1b");
  }

  /**
   * Regression: DJL's Number overloads and advanced indexing left autograd holding tensors whose Java buffers a
   * garbage collection could free between forward and backward; every gradient then came out NaN.
   */
  @Test
  void garbageCollectionsBetweenForwardAndBackwardLeaveTheLossesIntact() throws Exception {
    Thread collector = new Thread(() -> {
      while (!Thread.currentThread().isInterrupted()) {
        System.gc();
        try {
          Thread.sleep(5);
        } catch (InterruptedException e) {
          return;
        }
      }
    });
    collector.setDaemon(true);
    collector.start();
    try {
      assertSameLosses("parallel.dp = 2");
    } finally {
      collector.interrupt();
    }
  }

  @Test
  void twoDataParallelReplicasReproduceTheSingleWorkerLosses() throws Exception {
    assertSameLosses("parallel.dp = 2");
  }

  @Test
  void expertParallelOverTwoReplicasReproducesTheSingleWorkerLosses() throws Exception {
    assertSameLosses("parallel.dp = 2", "parallel.ep = 2");
  }

  @Test
  void twoStagesByTwoReplicasWithExpertParallelReproduceTheSingleWorkerLosses() throws Exception {
    assertSameLosses("parallel.pp = 2", "parallel.dp = 2", "parallel.ep = 2", "parallel.schedule = 1f1b");
  }

  @Test
  void twoStagesByTwoReplicasWithGpipeReproduceTheSingleWorkerLosses() throws Exception {
    assertSameLosses("parallel.pp = 2", "parallel.dp = 2", "parallel.schedule = gpipe");
  }

  @Test
  void recomputedLayersInTwoStagesByTwoReplicasWithOneFOneBReproduceTheSingleWorkerLosses() throws Exception {
    assertSameLosses("parallel.pp = 2", "parallel.dp = 2", "parallel.schedule = 1f1b", "train.recompute = layers");
  }

  @Test
  void recomputedLayersInTwoStagesWithGpipeReproduceTheSingleWorkerLosses() throws Exception {
    assertSameLosses("parallel.pp = 2", "parallel.schedule = gpipe", "train.recompute = layers");
  }
}
