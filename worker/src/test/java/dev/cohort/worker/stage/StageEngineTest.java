package dev.cohort.worker.stage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.cohort.config.CohortConfig;
import dev.cohort.model.BiasBalancing;
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
import java.util.Arrays;
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

  /** DeepSeek-V3's balancing, with a rate that moves the biases past the scores' spread within a step or two. */
  private static final List<String> BIAS_BALANCED = List.of("model.moe.router.score = sigmoid",
      "model.moe.balance = bias", "model.moe.bias-update-rate = 0.05", "model.moe.seq-aux-loss-weight = 1e-3");

  private static CohortConfig config(List<String> model, String... parallel) {
    List<String> overrides = new ArrayList<>(List.of("model.vocab-size = 50257", "data.seq-len = 32",
        "data.prepared = \"" + prepared.resolve("brown") + "\"", "train.micro-batch-size = 2",
        "train.grad-accum-steps = 4", "train.warmup-steps = 1", "train.lr = 0.01", "train.steps = " + STEPS));
    overrides.addAll(model);
    overrides.addAll(List.of(parallel));
    return CohortConfig.load(Path.of("../conf/model/tiny.conf"), overrides);
  }

  private static double[] singleWorkerLosses(List<String> model) {
    return singleWorker(model).losses();
  }

  /** The single worker's loss of each step and the routing biases it routed each step with (layer-major). */
  private record SingleRun(double[] losses, double[][] biases) {}

  private static SingleRun singleWorker(List<String> model) {
    CohortConfig config = config(model);
    try (NDManager manager = NDManager.newBaseManager()) {
      Parameters params = Parameters.initialize(ModelLayout.of(config.model()), config.run().seed(), manager,
          DataType.FLOAT32);
      params.requireGradients();
      TrainingStep step = new TrainingStep(config.train(), new Transformer(config.model(), params, manager,
          config.train()), params,
          new AdamW(config.train(), params), Batches.of(Corpora.openOrPrepare(config), config), manager);
      double[] losses = new double[STEPS];
      double[][] biases = new double[STEPS][];
      for (int s = 0; s < STEPS; s++) {
        biases[s] = BiasBalancing.flat(params);
        StepResult r = step.run(s);
        losses[s] = r.loss();
      }
      return new SingleRun(losses, biases);
    }
  }

  private static void assertSameLosses(String... parallel) throws Exception {
    assertSameLosses(List.of(), parallel);
  }

  /** @return the all-to-all bytes the distributed run sent */
  private static long assertSameLosses(List<String> model, String... parallel) throws Exception {
    return assertSameLosses(RELATIVE, model, parallel);
  }

  private static long assertSameLosses(double relative, List<String> model, String... parallel) throws Exception {
    double[] expected = singleWorkerLosses(model);
    String layout = String.join(" ", model) + " " + String.join(" ", parallel);
    try (LocalCluster cluster = new LocalCluster(config(model, parallel))) {
      for (int s = 0; s < STEPS; s++) {
        StepSummary summary = cluster.step(s);
        assertEquals(expected[s], summary.loss(), relative * expected[s],
            layout + ": loss of step " + s);
      }
      return cluster.allToAllBytes();
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
    CohortConfig config = config(List.of(FP16_MIXED), "parallel.pp = 2", "parallel.dp = 2", "parallel.ep = 2");
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

  /**
   * The biases move by the global loads (every replica and micro-batch), the same in every worker: a replica that
   * moved them by its own loads would route differently from the single worker from the second step on.
   */
  @Test
  void biasBalancedRoutingOverTwoReplicasWithExpertParallelReproducesTheSingleWorkerBiasesAndLosses()
      throws Exception {
    SingleRun expected = singleWorker(BIAS_BALANCED);
    try (LocalCluster cluster = new LocalCluster(config(BIAS_BALANCED, "parallel.dp = 2", "parallel.ep = 2"))) {
      for (int s = 0; s < STEPS; s++) {
        StepSummary summary = cluster.step(s);
        assertArrayEquals(expected.biases()[s], summary.routerBiases(), 0.0, "biases of step " + s);
        assertEquals(expected.losses()[s], summary.loss(), RELATIVE * expected.losses()[s], "loss of step " + s);
      }
    }
    assertTrue(Arrays.stream(expected.biases()[1]).allMatch(b -> b != 0), "the biases moved");
  }

  @Test
  void biasBalancedRoutingOverTwoStagesReproducesTheSingleWorkerLosses() throws Exception {
    assertSameLosses(BIAS_BALANCED, "parallel.pp = 2", "parallel.schedule = 1f1b");
  }

  /**
   * The group limit reads only the expert-to-group map, which the single worker computes as the ep ranks do. A token
   * crosses to a rank once, so under a limit of one rank it crosses at most once and the all-to-all carries fewer
   * bytes than unlimited routing, where a token may visit both ranks. Prints both (docs/PERFORMANCE.md).
   */
  @Test
  void groupLimitedRoutingOverTwoExpertParallelRanksReproducesTheSingleWorkerLossesWithFewerBytes() throws Exception {
    List<String> limited = List.of("model.moe.expert-groups = 2", "model.moe.max-groups-per-token = 1");
    long limitedBytes = assertSameLosses(limited, "parallel.dp = 2", "parallel.ep = 2");
    long freeBytes = allToAllBytes(List.of(), "parallel.dp = 2", "parallel.ep = 2");
    System.out.printf("all-to-all payload bytes per step, tiny model, dp = ep = 2: %d unlimited, %d with "
        + "max-groups-per-token = 1%n", freeBytes / STEPS, limitedBytes / STEPS);
    assertTrue(limitedBytes < freeBytes, limitedBytes + " bytes limited against " + freeBytes + " unlimited");
  }

  /** CDMoE's private experts are ordinary per-layer parameters: a stage holds its layers' pools whole. */
  @Test
  void cdmoeOverTwoPipelineStagesByTwoReplicasReproducesTheSingleWorkerLosses() throws Exception {
    assertSameLosses(List.of("model.moe.num-experts = 0", "model.cdmoe.num-experts = 16",
        "model.cdmoe.experts-per-head = 2", "model.cdmoe.retrieval-size = 8"),
        "parallel.pp = 2", "parallel.dp = 2", "parallel.schedule = 1f1b");
  }

  /**
   * The routing biases are model state in sharded checkpoints: written once (by one replica) and loaded by name into
   * another layout, which then routes with exactly the single worker's biases. Biases are compared, not only losses:
   * early in training which experts a token reaches barely moves the loss.
   */
  @Test
  void biasBalancedCheckpointOfOneLayoutResumesExactlyInAnother(@TempDir Path checkpoint) throws Exception {
    SingleRun expected = singleWorker(BIAS_BALANCED);
    int saveAfter = 1; // after one update every bias is +-rate: a restore that lost them would route with zeros
    LocalCluster.Saved saved;
    try (LocalCluster before = new LocalCluster(config(BIAS_BALANCED, "parallel.dp = 2", "parallel.ep = 2"))) {
      for (int s = 0; s < saveAfter; s++) before.step(s);
      saved = before.saveShards(checkpoint);
    }
    assertTrue(Arrays.stream(expected.biases()[saveAfter]).allMatch(b -> b != 0), "biases moved by the first step");
    try (LocalCluster after = new LocalCluster(config(BIAS_BALANCED, "parallel.pp = 2", "parallel.schedule = 1f1b"))) {
      after.restore(saved);
      for (int s = saveAfter; s < STEPS; s++) {
        StepSummary summary = after.step(s);
        assertArrayEquals(expected.biases()[s], summary.routerBiases(), 0.0, "biases of resumed step " + s);
        assertEquals(expected.losses()[s], summary.loss(), RELATIVE * expected.losses()[s], "loss of step " + s);
      }
    }
  }

  @Test
  void recomputedLayersInTwoStagesByTwoReplicasWithOneFOneBReproduceTheSingleWorkerLosses() throws Exception {
    assertSameLosses("parallel.pp = 2", "parallel.dp = 2", "parallel.schedule = 1f1b", "train.recompute = layers");
  }

  /**
   * The recomputed forward exchanges nothing (it sums the rows the owners returned the first time), so the all-to-all
   * carries exactly the bytes of a recorded run.
   */
  @Test
  void recomputedLayersInTwoStagesByTwoReplicasWithExpertParallelReproduceTheSingleWorkerLossesAndBytes()
      throws Exception {
    List<String> layout = List.of("parallel.pp = 2", "parallel.dp = 2", "parallel.ep = 2", "parallel.schedule = 1f1b");
    List<String> recomputing = new ArrayList<>(layout);
    recomputing.add("train.recompute = layers");
    long recomputedBytes = assertSameLosses(List.of(), recomputing.toArray(String[]::new));
    assertEquals(allToAllBytes(List.of(), layout.toArray(String[]::new)), recomputedBytes,
        "all-to-all bytes, recomputed against recorded");
  }

  /** The owners run their experts again at backward from the rows they were sent, which they kept. */
  @Test
  void recomputedExpertsInTwoStagesByTwoReplicasWithExpertParallelReproduceTheSingleWorkerLosses() throws Exception {
    assertSameLosses("parallel.pp = 2", "parallel.dp = 2", "parallel.ep = 2", "parallel.schedule = 1f1b",
        "train.recompute = experts");
  }

  @Test
  void recomputedExpertsInTwoStagesWithGpipeReproduceTheSingleWorkerLosses() throws Exception {
    assertSameLosses("parallel.pp = 2", "parallel.schedule = gpipe", "train.recompute = experts");
  }

  /** The all-to-all bytes of STEPS steps of a distributed run. */
  private static long allToAllBytes(List<String> model, String... parallel) throws Exception {
    try (LocalCluster cluster = new LocalCluster(config(model, parallel))) {
      for (int s = 0; s < STEPS; s++) cluster.step(s);
      return cluster.allToAllBytes();
    }
  }

  @Test
  void recomputedLayersInTwoStagesWithGpipeReproduceTheSingleWorkerLosses() throws Exception {
    assertSameLosses("parallel.pp = 2", "parallel.schedule = gpipe", "train.recompute = layers");
  }
}
