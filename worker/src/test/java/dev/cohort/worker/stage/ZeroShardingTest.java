package dev.cohort.worker.stage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.cohort.checkpoint.CheckpointTensors;
import dev.cohort.config.CohortConfig;
import dev.cohort.model.HostArrays;
import dev.cohort.model.Parameters;
import dev.cohort.model.layout.ModelLayout;
import dev.cohort.protocol.StepSummary;
import dev.cohort.run.Corpora;
import dev.cohort.tensor.HostTensor;
import dev.cohort.worker.train.AdamW;
import dev.cohort.worker.train.TrainerCheckpoints;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * parallel.zero = 1 and 2 (threads of one JVM) against zero = 0: the same losses, each moment on one replica, and
 * checkpoints that load exactly into any other level, layout or the single worker.
 */
class ZeroShardingTest {
  private static final int STEPS = 3;
  private static final double RELATIVE = 1e-5;
  /** Another layout sums in another order: the project's tolerance between layouts (StageEngineTest's). */
  private static final double LAYOUT_RELATIVE = 1e-4;
  private static final String[] DP2 = {"parallel.dp = 2"};
  private static final String[] PP2_DP2_EP2 = {"parallel.pp = 2", "parallel.dp = 2", "parallel.ep = 2"};
  @TempDir static Path prepared;

  private static CohortConfig config(int zero, String... parallel) {
    List<String> overrides = new ArrayList<>(List.of("model.vocab-size = 50257", "data.seq-len = 32",
        "data.prepared = \"" + prepared.resolve("brown") + "\"", "train.micro-batch-size = 2",
        "train.grad-accum-steps = 4", "train.warmup-steps = 1", "train.lr = 0.01", "train.steps = " + STEPS,
        "parallel.zero = " + zero));
    overrides.addAll(List.of(parallel));
    return CohortConfig.load(Path.of("../conf/model/tiny.conf"), overrides);
  }

  @BeforeAll
  static void prepareCorpus() {
    Corpora.openOrPrepare(config(0)); // once, before several engines would read it at once
  }

  private static double[] losses(int zero, String... parallel) throws Exception {
    return run(zero, parallel).stream().mapToDouble(StepSummary::loss).toArray();
  }

  private static List<StepSummary> run(int zero, String... parallel) throws Exception {
    try (LocalCluster cluster = new LocalCluster(config(zero, parallel))) {
      List<StepSummary> steps = new ArrayList<>();
      for (int s = 0; s < STEPS; s++) steps.add(cluster.step(s));
      return steps;
    }
  }

  /** The losses, and the global gradient norms that clipping and the loss scaler decide by. */
  private static void assertSameSteps(String... parallel) throws Exception {
    List<StepSummary> unsharded = run(0, parallel);
    for (int zero = 1; zero <= 2; zero++) {
      List<StepSummary> sharded = run(zero, parallel);
      for (int s = 0; s < STEPS; s++) {
        double loss = unsharded.get(s).loss();
        double norm = unsharded.get(s).gradNorm();
        assertEquals(loss, sharded.get(s).loss(), RELATIVE * loss, "zero " + zero + ", loss of step " + s);
        assertEquals(norm, sharded.get(s).gradNorm(), RELATIVE * norm, "zero " + zero + ", grad norm of step " + s);
      }
    }
  }

  @Test
  void shardedOptimizerAndGradientsOnTwoReplicasReproduceTheUnshardedLossesAndNorms() throws Exception {
    assertSameSteps(DP2);
  }

  @Test
  void shardedOptimizerAndGradientsOnTwoStagesByTwoReplicasWithExpertParallelReproduceTheUnshardedLossesAndNorms()
      throws Exception {
    assertSameSteps(PP2_DP2_EP2);
  }

  /**
   * fp16-mixed: a step whose gradients overflow on one worker is skipped by every owner (no weight or moment moves),
   * and the steps after it, at the halved loss scale, equal zero = 0's.
   */
  @Test
  void fp16MixedUnderShardedGradientsSkipsAnOverflowEverywhereAndThenReproducesTheUnshardedLosses() throws Exception {
    double[] unsharded = fp16LossesAfterAnOverflow(0);
    double[] sharded = fp16LossesAfterAnOverflow(2);
    for (int s = 1; s < STEPS; s++) {
      assertEquals(unsharded[s], sharded[s], RELATIVE * unsharded[s], "fp16-mixed, loss of step " + s);
    }
  }

  private static double[] fp16LossesAfterAnOverflow(int zero) throws Exception {
    CohortConfig config = config(zero, "parallel.dp = 2", "train.precision = fp16-mixed", "data.seq-len = 16");
    try (LocalCluster cluster = new LocalCluster(config)) {
      List<Shard> before = cluster.snapshots();
      assertTrue(cluster.step(0, 0).update().skipped(), "worker 0's infs skip the step");
      List<Shard> after = cluster.snapshots();
      for (int w = 0; w < before.size(); w++) {
        assertEquals(before.get(w).model(), after.get(w).model(), "zero " + zero + ": worker " + w + " moved a weight");
        assertEquals(before.get(w).moments(), after.get(w).moments(), "zero " + zero + ": worker " + w
            + " moved a moment");
      }
      double[] losses = new double[STEPS];
      for (int s = 1; s < STEPS; s++) losses[s] = cluster.step(s).loss();
      return losses;
    }
  }

  /** Under zero = 1 both replicas write moments, none twice; under zero = 0 replica 0 writes them all. */
  @Test
  void eachParametersMomentsLiveOnExactlyOneReplica() throws Exception {
    Set<String> unsharded = momentNames(0);
    assertEquals(unsharded, momentNames(1));
  }

  private static Set<String> momentNames(int zero) throws Exception {
    try (LocalCluster cluster = new LocalCluster(config(zero, DP2))) {
      cluster.step(0);
      List<Shard> shards = cluster.snapshots();
      Set<String> names = new HashSet<>();
      for (int replica = 0; replica < shards.size(); replica++) {
        Shard shard = shards.get(replica);
        assertEquals(zero > 0 || replica == 0, !shard.moments().isEmpty(), "replica " + replica + " writes moments");
        for (String name : shard.moments().keySet()) assertTrue(names.add(name), name + " written twice");
      }
      return names;
    }
  }

  /**
   * A zero = 2 checkpoint of two replicas loads into zero = 0 on two pipeline stages, whose checkpoint holds the same
   * tensors bit for bit, and back; into the single worker too. The resumed runs then go on with the same losses.
   */
  @Test
  void aShardedCheckpointLoadsExactlyIntoOtherLevelsLayoutsAndTheSingleWorkerAndBack(@TempDir Path dir)
      throws Exception {
    double[] uninterrupted = losses(0, DP2);
    int saveAfter = 2;
    LocalCluster.Saved zero2;
    try (LocalCluster cluster = new LocalCluster(config(2, DP2))) {
      for (int s = 0; s < saveAfter; s++) cluster.step(s);
      zero2 = cluster.saveShards(Files.createDirectory(dir.resolve("zero2")));
    }
    LocalCluster.Saved zero0;
    try (LocalCluster cluster = new LocalCluster(config(0, "parallel.pp = 2"))) {
      cluster.restore(zero2);
      zero0 = cluster.saveShards(Files.createDirectory(dir.resolve("zero0")));
      assertEquals(tensors(zero2), tensors(zero0), "zero 2 on dp 2 -> zero 0 on pp 2");
      double loss = cluster.step(saveAfter).loss();
      assertEquals(uninterrupted[saveAfter], loss, LAYOUT_RELATIVE * loss, "zero 0 on pp 2 resumed from zero 2");
    }
    try (LocalCluster cluster = new LocalCluster(config(2, DP2))) {
      cluster.restore(zero0);
      LocalCluster.Saved back = cluster.saveShards(Files.createDirectory(dir.resolve("back")));
      assertEquals(tensors(zero0), tensors(back), "zero 0 on pp 2 -> zero 2 on dp 2");
      double loss = cluster.step(saveAfter).loss();
      assertEquals(uninterrupted[saveAfter], loss, RELATIVE * loss, "zero 2 resumed from zero 0");
    }
    assertEquals(tensors(zero2), singleWorkerTensors(zero2), "zero 2 -> the single worker");
  }

  /** Every tensor of a checkpoint by name. */
  private static Map<String, HostTensor> tensors(LocalCluster.Saved saved) {
    CheckpointTensors all = CheckpointTensors.of(saved.dir(), saved.files());
    CohortConfig config = config(0);
    Map<String, HostTensor> out = new TreeMap<>();
    for (var spec : ModelLayout.of(config.model())) {
      for (String name : List.of(spec.name(), AdamW.EXP_AVG + spec.name(), AdamW.EXP_AVG_SQ + spec.name())) {
        out.put(name, all.get(name));
      }
    }
    assertFalse(out.isEmpty());
    return out;
  }

  /** The checkpoint loaded into a single worker's parameters and optimizer, read back. */
  private static Map<String, HostTensor> singleWorkerTensors(LocalCluster.Saved saved) {
    CohortConfig config = config(0);
    try (NDManager manager = NDManager.newBaseManager()) {
      Parameters params = Parameters.initialize(ModelLayout.of(config.model()), config.run().seed() + 1, manager,
          DataType.FLOAT32);
      AdamW optimizer = new AdamW(config.train(), params);
      TrainerCheckpoints.restore(CheckpointTensors.of(saved.dir(), saved.files()), params, optimizer,
          saved.optimizerSteps(), manager);
      Map<String, HostTensor> out = new TreeMap<>();
      params.asMap().forEach((name, array) -> out.put(name, HostArrays.toHost(array)));
      optimizer.moments().forEach((name, array) -> out.put(name, HostArrays.toHost(array)));
      return out;
    }
  }
}
