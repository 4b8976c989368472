package dev.cohort.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import dev.cohort.config.CohortConfig;
import dev.cohort.coordinator.LocalRun;
import dev.cohort.worker.single.Trainer;
import dev.cohort.data.CorpusPreparer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real worker JVMs on 127.0.0.1, coordinated from the test JVM: each placement's per-step losses equal the
 * single-worker run's on the same config, seed and data.
 */
class DistributedTrainingTest {
  private static final int STEPS = 20;
  private static final double RELATIVE = 1e-4;
  /**
   * The aux loss counts tokens per expert, so it moves in steps: expert parallelism sums a token's expert outputs in
   * another order than one worker, and after some steps a near tie in one token's top-k can fall the other way
   * (measured: 1.4e-4 relative at step 15 of the dp2ep2 run, while the loss stays within 6e-6).
   */
  private static final double AUX_RELATIVE = 1e-3;
  private static final double LOAD_FRACTION = 0.03;
  @TempDir static Path dir;
  private static List<JsonNode> singleWorker;

  private static Config hocon(String name, String... parallel) {
    List<String> overrides = new ArrayList<>(List.of("model.vocab-size = 50257", "data.seq-len = 32",
        "data.prepared = \"" + dir.resolve("brown") + "\"", "run.dir = \"" + dir.resolve("runs") + "\"",
        "run.name = " + name, "train.micro-batch-size = 2", "train.grad-accum-steps = 4", "train.warmup-steps = 2",
        "train.lr = 0.01", "train.eval-every = 0", "train.steps = " + STEPS, "train.threads = 1",
        "checkpoint.every = 0", "cluster.coordinator-port = 0", "cluster.worker-heap = \"1g\"",
        "cluster.step-timeout-seconds = 120", "cluster.join-timeout-seconds = 180",
        "metrics.port = 0"));
    overrides.addAll(List.of(parallel));
    return CohortConfig.hocon(Path.of("../conf/model/tiny.conf"), overrides);
  }

  private static List<JsonNode> metrics(String name) throws IOException {
    return MetricsLines.of(dir.resolve("runs"), name);
  }

  @BeforeAll
  static void trainOneWorker() throws IOException {
    singleWorker = trainAlone(hocon("single"), "single");
  }

  private static List<JsonNode> trainAlone(Config config, String name) throws IOException {
    try (Trainer trainer = new Trainer(CohortConfig.fromHocon(config), config, false)) {
      trainer.run((metrics, total) -> { });
    }
    return metrics(name);
  }

  private static void assertMatchesSingleWorker(String name, String... parallel) throws IOException {
    assertMatches(singleWorker, hocon(name, parallel), name);
  }

  private static void assertMatches(List<JsonNode> singleWorker, Config config, String name) throws IOException {
    ObjectNode last = LocalRun.run(CohortConfig.fromHocon(config), config, Main.class.getName(), List.of("worker"),
        (metrics, totalSteps) -> { });
    assertEquals(STEPS - 1, last.get("step").asLong());
    List<JsonNode> distributed = metrics(name);
    assertEquals(STEPS, distributed.size());
    for (int step = 0; step < STEPS; step++) {
      double expected = singleWorker.get(step).get("loss").asDouble();
      double actual = distributed.get(step).get("loss").asDouble();
      assertEquals(expected, actual, RELATIVE * expected, name + ": loss of step " + step);
      double expectedAux = singleWorker.get(step).get("aux_loss").asDouble();
      assertEquals(expectedAux, distributed.get(step).get("aux_loss").asDouble(), AUX_RELATIVE * expectedAux,
          name + ": aux loss of step " + step);
    }
    JsonNode workers = distributed.get(STEPS - 1).get("workers");
    assertEquals(CohortConfig.fromHocon(config).parallel().workers(), workers.size());
    for (JsonNode w : workers) {
      for (String field : List.of("forward_ms", "backward_ms", "communication_ms", "idle_ms")) {
        assertTrue(w.has(field), "per-worker " + field);
      }
    }
    assertEquals(singleWorker.get(0).get("expert_tokens"), distributed.get(0).get("expert_tokens"),
        name + ": expert loads per layer of the first step (same weights, same routing)");
    assertLoadsClose(singleWorker.get(STEPS - 1).get("expert_tokens"), distributed.get(STEPS - 1).get("expert_tokens"),
        name);
  }

  /**
   * The last step's tokens per expert, within {@link #LOAD_FRACTION} of a layer's routed tokens: once a near tie has
   * fallen the other way (see {@link #AUX_RELATIVE}) a few tokens choose another expert (measured: 8 of 512).
   */
  private static void assertLoadsClose(JsonNode expected, JsonNode actual, String name) {
    assertEquals(expected.size(), actual.size(), name + ": MoE layers");
    for (int layer = 0; layer < expected.size(); layer++) {
      long routed = 0;
      for (JsonNode count : expected.get(layer)) routed += count.asLong();
      for (int e = 0; e < expected.get(layer).size(); e++) {
        assertEquals(expected.get(layer).get(e).asLong(), actual.get(layer).get(e).asLong(), LOAD_FRACTION * routed,
            name + ": tokens of expert " + e + " in MoE layer " + layer + " at the last step");
      }
    }
  }

  @Test
  @Timeout(240)
  void twoPipelineStagesInTwoJvmsMatchOneWorker() throws IOException {
    assertMatchesSingleWorker("pp2", "parallel.pp = 2", "parallel.schedule = 1f1b");
  }

  @Test
  @Timeout(240)
  void twoDataParallelReplicasInTwoJvmsMatchOneWorker() throws IOException {
    assertMatchesSingleWorker("dp2", "parallel.dp = 2");
  }

  @Test
  @Timeout(240)
  void expertParallelAcrossTwoJvmsMatchesOneWorker() throws IOException {
    assertMatchesSingleWorker("dp2ep2", "parallel.dp = 2", "parallel.ep = 2");
  }

  @Test
  @Timeout(300)
  void twoStagesByTwoReplicasWithExpertParallelInFourJvmsMatchOneWorker() throws IOException {
    assertMatchesSingleWorker("pp2dp2ep2", "parallel.pp = 2", "parallel.dp = 2", "parallel.ep = 2",
        "parallel.schedule = 1f1b");
  }

  @Test
  @Timeout(300)
  void aDataMixtureOnTwoReplicasWithExpertParallelMatchesOneWorker() throws IOException {
    CohortConfig plain = CohortConfig.fromHocon(hocon("mix"));
    Path brown = CorpusPreparer.openOrPrepare(plain.data(), plain.run().seed(), false).dir();
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < 60; i++) lines.add("{\"text\": \"Recipe " + i + ": stir the soup for " + i + " minutes.\"}");
    Path recipes = Files.write(dir.resolve("recipes.jsonl"), lines);
    Path small = CorpusPreparer.prepare(recipes.toString(), "text", plain.data().tokenizer(), 0.2, 1, dir.resolve("recipes"), false)
        .dir();
    String sources = "data.sources = [{prepared = \"" + brown + "\", weight = 3}, {prepared = \"" + small
        + "\", weight = 1}]";
    List<JsonNode> alone = trainAlone(hocon("mix-single", sources), "mix-single");
    assertMatches(alone, hocon("mix-dp2ep2", sources, "parallel.dp = 2", "parallel.ep = 2"), "mix-dp2ep2");
  }
}
