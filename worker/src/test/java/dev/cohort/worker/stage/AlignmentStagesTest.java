package dev.cohort.worker.stage;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDManager;
import dev.cohort.config.CohortConfig;
import dev.cohort.metrics.ObjectiveFigures;
import dev.cohort.model.Parameters;
import dev.cohort.model.Transformer;
import dev.cohort.model.layout.ModelLayout;
import dev.cohort.protocol.StepSummary;
import dev.cohort.worker.align.Objectives;
import dev.cohort.worker.train.AdamW;
import dev.cohort.worker.train.InitFrom;
import dev.cohort.worker.train.Precision;
import dev.cohort.worker.train.StepResult;
import dev.cohort.worker.train.TrainingStep;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SFT and DPO steps of two stages by two replicas with expert parallelism (threads of one JVM) against the
 * single-worker step: DPO's rows differ in length from one micro-batch to the next, so the expert all-to-all and the
 * activations between stages carry ragged blocks.
 */
class AlignmentStagesTest {
  private static final int STEPS = 3;
  private static final double RELATIVE = 1e-4;
  private static final String[] LAYOUT = {"parallel.pp = 2", "parallel.dp = 2", "parallel.ep = 2",
      "parallel.schedule = 1f1b"};
  @TempDir static Path dir;

  private static CohortConfig config(String objective, Path examples, String... parallel) {
    List<String> overrides = new ArrayList<>(List.of("model.vocab-size = 50257", "data.seq-len = 32",
        "train.micro-batch-size = 2", "train.grad-accum-steps = 4", "train.warmup-steps = 0", "train.lr = 0.01",
        "train.steps = " + STEPS, "recipe.objective = " + objective, "recipe.examples = \"" + examples + "\"",
        "recipe.dpo.sft-weight = 0.1"));
    overrides.addAll(List.of(parallel));
    return CohortConfig.load(Path.of("../conf/model/tiny.conf"), overrides);
  }

  private static List<StepResult> singleWorker(CohortConfig config) {
    try (NDManager manager = NDManager.newBaseManager()) {
      Parameters params = InitFrom.startingWeights(config, ModelLayout.of(config.model()), manager,
          Precision.dtype(config.train()));
      params.requireGradients();
      Transformer model = new Transformer(config.model(), params, manager);
      TrainingStep step = new TrainingStep(config.train(), model, params, new AdamW(config.train(), params),
          Objectives.of(config, scratch -> model, manager), manager);
      List<StepResult> results = new ArrayList<>();
      for (int s = 0; s < STEPS; s++) results.add(step.run(s));
      return results;
    }
  }

  private static void assertSameSteps(String objective, Path examples) throws Exception {
    List<StepResult> expected = singleWorker(config(objective, examples));
    try (LocalCluster cluster = new LocalCluster(config(objective, examples, LAYOUT))) {
      for (int s = 0; s < STEPS; s++) {
        StepSummary summary = cluster.step(s);
        StepResult single = expected.get(s);
        assertEquals(single.loss(), summary.loss(), RELATIVE * single.loss(), objective + ": loss of step " + s);
        assertEquals(single.tokens(), summary.tokens(), objective + ": tokens fed in step " + s);
        double[] figures = summary.objectiveFigures();
        assertEquals(single.objectiveFigures().length, figures.length);
        for (int i = 0; i < figures.length; i++) {
          // At step 0 the policy is the reference: its rewards are float noise, and which is larger, chance.
          if (s == 0 && ObjectiveFigures.DPO.get(i).equals("reward_accuracy")) continue;
          assertEquals(single.objectiveFigures()[i], figures[i], 1e-4 * (1 + Math.abs(figures[i])),
              objective + ": " + ObjectiveFigures.DPO.get(i) + " of step " + s);
        }
      }
    }
  }

  @Test
  void sftReproducesTheSingleWorkerSteps() throws Exception {
    assertSameSteps("sft", write("sft.jsonl",
        "{\"prompt\": \"Is the sky blue?\", \"response\": \"yes\"}",
        "{\"prompt\": \"Is grass red?\", \"response\": \"no, it is green\"}",
        "{\"prompt\": \"Is snow white?\", \"response\": \"yes\"}"));
  }

  @Test
  void dpoReproducesTheSingleWorkerSteps() throws Exception {
    assertSameSteps("dpo", write("dpo.jsonl",
        "{\"prompt\": \"Is the sky blue?\", \"chosen\": \"yes\", \"rejected\": \"no\"}",
        "{\"prompt\": \"Is grass red? Think about it.\", \"chosen\": \"no\", \"rejected\": \"yes, very red\"}",
        "{\"prompt\": \"Is snow white?\", \"chosen\": \"yes\", \"rejected\": \"never\"}"));
  }

  private static Path write(String name, String... lines) throws IOException {
    return Files.write(dir.resolve(name), List.of(lines));
  }
}
