package dev.cohort.worker.stage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.cohort.config.CohortConfig;
import dev.cohort.model.Autocast;
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
  private static final double FP16_RELATIVE = 1e-3;
  private static final String FP16_MIXED = "train.precision = fp16-mixed";
  @TempDir static Path prepared;

  private static CohortConfig config(String... parallel) {
    List<String> overrides = new ArrayList<>(List.of("model.vocab-size = 50257", "data.seq-len = 32",
        "data.prepared = \"" + prepared.resolve("brown") + "\"", "train.micro-batch-size = 2",
        "train.grad-accum-steps = 4", "train.warmup-steps = 1", "train.lr = 0.01", "train.steps = " + STEPS));
    overrides.addAll(List.of(parallel));
    return CohortConfig.load(Path.of("../conf/model/tiny.conf"), overrides);
  }

  private static double[] singleWorkerLosses(String... precision) {
    CohortConfig config = config(precision);
    try (NDManager manager = NDManager.newBaseManager()) {
      Parameters params = Parameters.initialize(ModelLayout.of(config.model()), config.run().seed(), manager,
          DataType.FLOAT32);
      params.requireGradients();
      TrainingStep step = new TrainingStep(config.train(),
          new Transformer(config.model(), params, manager, Autocast.of(config.train())), params,
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
    assertSameLosses(RELATIVE, List.of(), parallel);
  }

  private static void assertSameLosses(double relative, List<String> precision, String... parallel)
      throws Exception {
    double[] expected = singleWorkerLosses(precision.toArray(String[]::new));
    List<String> all = new ArrayList<>(precision);
    all.addAll(List.of(parallel));
    try (LocalCluster cluster = new LocalCluster(config(all.toArray(String[]::new)))) {
      for (int s = 0; s < STEPS; s++) {
        StepSummary summary = cluster.step(s);
        assertEquals(expected[s], summary.loss(), relative * expected[s],
            String.join(" ", all) + ": loss of step " + s);
      }
    }
  }

  /**
   * Float16 products round differently when a micro-batch's rows are split over experts on other workers, so the
   * tolerance is float16's, not float32's. Short windows: float16 products are slow on CPU.
   */
  @Test
  void fp16MixedOnTwoStagesByTwoReplicasWithExpertParallelReproducesTheSingleWorkerFp16Losses() throws Exception {
    assertSameLosses(FP16_RELATIVE, List.of(FP16_MIXED, "data.seq-len = 16"), "parallel.pp = 2", "parallel.dp = 2",
        "parallel.ep = 2", "parallel.schedule = 1f1b");
  }

  /**
   * Worker 0 (stage 0) overflows: its own gradients and those of its replica hold infs, while stage 1 computes finite
   * ones. The global norm is not finite, so no worker updates, and the next step runs at the halved scale.
   */
  @Test
  void anOverflowOnOneWorkerSkipsTheStepOnEveryWorkerAndHalvesTheScale() throws Exception {
    CohortConfig config = config(FP16_MIXED, "parallel.pp = 2", "parallel.dp = 2", "parallel.ep = 2");
    try (LocalCluster cluster = new LocalCluster(config)) {
      List<Shard> before = cluster.snapshots();
      LocalCluster.Step overflowed = cluster.step(0, 0);
      assertTrue(overflowed.update().skipped(), "global norm " + overflowed.summary().gradNorm());
      assertTrue(overflowed.reports().stream().anyMatch(r -> Double.isFinite(r.gradNormSquared())),
          "some workers computed finite gradients, and skipped only by the global decision");
      List<Shard> after = cluster.snapshots();
      for (int w = 0; w < before.size(); w++) {
        assertEquals(before.get(w).optimizerSteps(), after.get(w).optimizerSteps(), "worker " + w + " stepped AdamW");
        assertEquals(before.get(w).model(), after.get(w).model(), "worker " + w + " changed a weight");
        assertEquals(before.get(w).moments(), after.get(w).moments(), "worker " + w + " changed a moment");
      }
      LocalCluster.Step next = cluster.step(1, -1);
      assertEquals(overflowed.update().lossScale() * config.train().lossScale().backoffFactor(),
          next.update().lossScale());
      assertFalse(next.update().skipped());
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
}
