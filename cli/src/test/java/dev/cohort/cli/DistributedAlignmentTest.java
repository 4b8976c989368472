package dev.cohort.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.Config;
import dev.cohort.config.CohortConfig;
import dev.cohort.coordinator.LocalRun;
import dev.cohort.metrics.ObjectiveFigures;
import dev.cohort.run.RunDirectory;
import dev.cohort.worker.single.Trainer;
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
 * SFT and DPO from a recipe.init-from checkpoint on real worker JVMs on 127.0.0.1: per-step losses (and DPO's
 * figures) equal the single-worker run's on the same config. The learning rate is flat, so that extending
 * train.steps on resume changes nothing else.
 */
class DistributedAlignmentTest {
  private static final int STEPS = 4;
  private static final double RELATIVE = 1e-4;
  @TempDir static Path dir;
  private static Path base;

  private static Config hocon(String name, String... more) {
    List<String> overrides = new ArrayList<>(List.of("model.vocab-size = 50257", "data.seq-len = 32",
        "run.dir = \"" + dir.resolve("runs") + "\"", "run.name = " + name, "train.micro-batch-size = 2",
        "train.grad-accum-steps = 2", "train.warmup-steps = 0", "train.min-lr-ratio = 1", "train.lr = 0.01",
        "train.eval-every = 0", "train.steps = " + STEPS, "train.threads = 1", "checkpoint.every = 0",
        "cluster.coordinator-port = 0",
        "cluster.worker-heap = \"1g\"", "cluster.step-timeout-seconds = 120", "cluster.join-timeout-seconds = 180",
        "metrics.port = 0"));
    overrides.addAll(List.of(more));
    return CohortConfig.hocon(Path.of("../conf/model/tiny.conf"), overrides);
  }

  private static Path write(String name, String... lines) throws IOException {
    return Files.write(dir.resolve(name), List.of(lines));
  }

  private static List<JsonNode> trainOneWorker(Config config) throws IOException {
    try (Trainer trainer = new Trainer(CohortConfig.fromHocon(config), config, false)) {
      trainer.run((metrics, total) -> { });
    }
    return MetricsLines.of(dir.resolve("runs"), CohortConfig.fromHocon(config).run().name());
  }

  private static List<JsonNode> trainDistributed(Config config, boolean resume) throws IOException {
    LocalRun.run(CohortConfig.fromHocon(config), config, Main.class.getName(), List.of("worker"),
        (metrics, totalSteps) -> { }, resume, workers -> { });
    return MetricsLines.of(dir.resolve("runs"), CohortConfig.fromHocon(config).run().name());
  }

  /** The weights both stages start from: one SFT step from another seed than the runs under test use. */
  @BeforeAll
  static void trainTheStartingCheckpoint() throws IOException {
    Path examples = write("base.jsonl", "{\"prompt\": \"Is the sky blue?\", \"response\": \"yes\"}",
        "{\"prompt\": \"Is grass red?\", \"response\": \"no\"}");
    trainOneWorker(hocon("base", "recipe.objective = sft", "recipe.examples = \"" + examples + "\"",
        "train.steps = 1", "run.seed = 7"));
    base = dir.resolve("runs/base");
  }

  private static void assertSameSteps(List<JsonNode> expected, List<JsonNode> actual, List<String> fields) {
    assertEquals(STEPS, expected.size());
    assertEquals(STEPS, actual.size());
    for (int step = 0; step < STEPS; step++) {
      for (String field : fields) {
        double e = expected.get(step).get(field).asDouble();
        assertEquals(e, actual.get(step).get(field).asDouble(), RELATIVE * Math.abs(e) + 1e-6,
            field + " of step " + step);
      }
      assertEquals(tokensFed(expected.get(step)), tokensFed(actual.get(step)), 1e-6 * tokensFed(expected.get(step)),
          "tokens fed in step " + step);
    }
  }

  /** What tokens_per_s counted: the token ids the step fed the model. */
  private static double tokensFed(JsonNode line) {
    return line.get("tokens_per_s").asDouble() * line.get("step_ms").asDouble() / 1000;
  }

  @Test
  @Timeout(240)
  void sftFromACheckpointOnTwoDataParallelJvmsMatchesOneWorker() throws IOException {
    Path examples = write("sft.jsonl",
        "{\"prompt\": \"Is the sky blue?\", \"response\": \"yes\"}",
        "{\"messages\": [{\"role\": \"user\", \"content\": \"Is grass red?\"}, "
            + "{\"role\": \"assistant\", \"content\": \"no\"}]}",
        "{\"prompt\": \"Is snow white?\", \"response\": \"yes, always\"}",
        "{\"prompt\": \"Name a colour.\", \"response\": \"green\"}",
        "{\"prompt\": \"Is coal white?\", \"response\": \"no\"}");
    String[] recipe = {"recipe.objective = sft", "recipe.examples = \"" + examples + "\"", "recipe.pack = false",
        "recipe.init-from = \"" + base + "\""};
    List<JsonNode> single = trainOneWorker(hocon("sft-single", recipe));
    List<String> dp2 = new ArrayList<>(List.of(recipe));
    dp2.add("parallel.dp = 2");
    List<JsonNode> distributed = trainDistributed(hocon("sft-dp2", dp2.toArray(String[]::new)), false);
    assertSameSteps(single, distributed, List.of("loss", "aux_loss"));
  }

  @Test
  @Timeout(240)
  void dpoFromACheckpointOnTwoPipelineStagesThenResumedOnTwoReplicasMatchesOneWorker() throws IOException {
    Path examples = write("dpo.jsonl",
        "{\"prompt\": \"Is the sky blue?\", \"chosen\": \"yes\", \"rejected\": \"no\"}",
        "{\"prompt\": \"Is grass red?\", \"chosen\": \"no\", \"rejected\": \"yes, it is\"}",
        "{\"prompt\": \"Is snow white?\", \"chosen\": \"yes\", \"rejected\": \"never\"}");
    String[] recipe = {"recipe.objective = dpo", "recipe.examples = \"" + examples + "\"",
        "recipe.init-from = \"" + base + "\"", "recipe.dpo.beta = 0.5", "recipe.dpo.sft-weight = 0.2"};
    List<JsonNode> single = trainOneWorker(hocon("dpo-single", recipe));
    List<String> pp2 = new ArrayList<>(List.of(recipe));
    pp2.addAll(List.of("parallel.pp = 2", "parallel.schedule = 1f1b", "train.steps = " + STEPS / 2));
    trainDistributed(hocon("dpo-dist", pp2.toArray(String[]::new)), false);
    // The resumed run's weights are its checkpoint's, not init-from's; DPO's reference is still init-from's.
    Config resumed = new RunDirectory(dir.resolve("runs/dpo-dist")).resumedConfig(List.of("train.steps = " + STEPS,
        "parallel.pp = 1", "parallel.dp = 2"));
    List<JsonNode> distributed = trainDistributed(resumed, true);
    List<String> fields = new ArrayList<>(List.of("loss", "aux_loss"));
    fields.addAll(ObjectiveFigures.DPO.stream().filter(f -> !f.equals("reward_accuracy")).toList());
    assertSameSteps(single, distributed, fields);
    // Chosen and rejected rows of 2 pairs, padded to the longer: fewer than micro-batch x data.seq-len.
    assertNotEquals(2 * 2 * 32, tokensFed(single.get(0)) / 2, 1e-3, "DPO's tokens are its rows, not seq-len windows");
    // The policy moved away from the reference, so the comparison above is not of zeros.
    assertNotEquals(0, distributed.get(STEPS - 1).get("reward_margin").asDouble(), 1e-4);
    assertEquals(single.get(STEPS - 1).get("reward_accuracy").asDouble(),
        distributed.get(STEPS - 1).get("reward_accuracy").asDouble(), "reward accuracy of the last step");
  }
}
