package dev.cohort.worker.align;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import dev.cohort.config.CohortConfig;
import dev.cohort.config.ConfigError;
import dev.cohort.data.DataError;
import dev.cohort.worker.single.Trainer;
import dev.cohort.worker.train.TrainedModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SFT then DPO through the single-worker Trainer, a tiny model (GPT-2 vocabulary, d = 32) in float64. The tokenizer is
 * pinned to GPT-2's: the step counts and learning rate below were tuned on its tokens.
 */
class AlignStagesTest {
  private static final Path TINY = Path.of("../conf/model/tiny.conf");
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path dir;

  private Config hocon(String... overrides) {
    List<String> all = new ArrayList<>(List.of("model.vocab-size = 50257", "data.tokenizer = gpt2",
        "data.seq-len = 48",
        "run.dir = \"" + dir.resolve("runs") + "\"", "train.micro-batch-size = 2", "train.warmup-steps = 0",
        "train.lr = 0.01", "train.eval-every = 0", "train.dtype = float64", "train.threads = 1"));
    all.addAll(List.of(overrides));
    return CohortConfig.hocon(TINY, all);
  }

  private List<JsonNode> train(Config hocon) throws IOException {
    try (Trainer trainer = new Trainer(CohortConfig.fromHocon(hocon), hocon, false)) {
      trainer.run((metrics, total) -> { });
      List<JsonNode> lines = new ArrayList<>();
      for (String line : Files.readAllLines(trainer.runDirectory().root().resolve("metrics.jsonl"))) {
        lines.add(JSON.readTree(line));
      }
      return lines;
    }
  }

  private Path write(String name, String... lines) throws IOException {
    return Files.write(dir.resolve(name), List.of(lines));
  }

  @Test
  void dpoStartsAtLogTwoFromTheSftWeightsAndLearnsThePreference() throws IOException {
    Path sft = write("sft.jsonl",
        "{\"prompt\": \"Is the sky blue?\", \"response\": \"yes\"}",
        "{\"messages\": [{\"role\": \"user\", \"content\": \"Is grass red?\"}, "
            + "{\"role\": \"assistant\", \"content\": \"no\"}]}",
        "{\"prompt\": \"Is snow white?\", \"response\": \"yes\"}");
    List<JsonNode> sftLines = train(hocon("run.name = sft", "recipe.objective = sft", "train.steps = 3",
        "recipe.examples = \"" + sft + "\""));
    assertEquals(3, sftLines.size());
    assertTrue(sftLines.get(2).get("loss").asDouble() < sftLines.get(0).get("loss").asDouble(),
        "the SFT loss falls: " + sftLines);

    Path dpo = write("dpo.jsonl",
        "{\"prompt\": \"Is the sky blue?\", \"chosen\": \"yes\", \"rejected\": \"no\"}",
        "{\"prompt\": \"Is grass red?\", \"chosen\": \"no\", \"rejected\": \"yes\"}");
    List<JsonNode> dpoLines = train(hocon("run.name = dpo", "recipe.objective = dpo", "train.steps = 4",
        "recipe.examples = \"" + dpo + "\"", "recipe.init-from = \"" + dir.resolve("runs/sft") + "\"",
        "recipe.dpo.beta = 0.5"));
    JsonNode first = dpoLines.get(0);
    assertEquals(Math.log(2), first.get("loss").asDouble(), 1e-9, "policy = reference at step 0");
    assertEquals(0, first.get("reward_margin").asDouble(), 1e-9);
    // Not reward_accuracy: it counts chosen > rejected strictly, and at step 0 both rewards are float noise around 0
    // (the reference scored its pairs in other batches, so its matmuls rounded differently).
    assertEquals(0, first.get("reward_chosen").asDouble(), 1e-6);
    assertEquals(0, first.get("reward_rejected").asDouble(), 1e-6);
    JsonNode last = dpoLines.get(dpoLines.size() - 1);
    assertTrue(last.get("loss").asDouble() < Math.log(2), "DPO lowers its loss: " + dpoLines);
    assertTrue(last.get("reward_margin").asDouble() > 0, "chosen rewards overtake rejected: " + last);
  }

  @Test
  void heldOutExamplesAreScoredWithTheTrainingObjective() throws IOException {
    Path sft = write("sft.jsonl",
        "{\"prompt\": \"Is the sky blue?\", \"response\": \"yes it is\"}",
        "{\"prompt\": \"Is grass red?\", \"response\": \"no\"}",
        "{\"prompt\": \"Is snow white?\", \"response\": \"yes\"}");
    // One micro-batch of the three unpacked examples and an update too small to matter: the step's loss (before the
    // update) and val_loss on the same examples (after it) are one mean NLL per response token, however batched.
    JsonNode sftLine = train(hocon("run.name = sft", "recipe.objective = sft", "train.steps = 1", "recipe.pack = false",
        "train.micro-batch-size = 3", "train.lr = 1e-12", "train.eval-every = 1",
        "recipe.examples = \"" + sft + "\"", "recipe.eval-examples = \"" + sft + "\"")).get(0);
    assertEquals(sftLine.get("loss").asDouble(), sftLine.get("val_loss").asDouble(), 1e-9);

    Path dpo = write("dpo.jsonl",
        "{\"prompt\": \"Is the sky blue?\", \"chosen\": \"yes\", \"rejected\": \"no\"}",
        "{\"prompt\": \"Is grass red?\", \"chosen\": \"no\", \"rejected\": \"yes\"}");
    List<String> dpoRun = List.of("recipe.objective = dpo", "recipe.examples = \"" + dpo + "\"",
        "recipe.eval-examples = \"" + dpo + "\"", "recipe.init-from = \"" + dir.resolve("runs/sft") + "\"",
        "recipe.dpo.beta = 0.5", "recipe.dpo.sft-weight = 0.5");
    JsonNode still = train(hocon(concat(dpoRun, "run.name = still", "train.steps = 1", "train.lr = 1e-12",
        "train.eval-every = 1"))).get(0);
    double nll = still.get("chosen_nll").asDouble();
    assertEquals(Math.log(2) + 0.5 * nll, still.get("val_loss").asDouble(), 1e-6, "policy = reference: log 2 + NLL");
    assertEquals(0, still.get("val_reward_margin").asDouble(), 1e-6);
    List<JsonNode> learnt = train(hocon(concat(dpoRun, "run.name = learnt", "train.steps = 4",
        "train.eval-every = 4")));
    JsonNode last = learnt.get(3);
    assertEquals(1.0, last.get("val_reward_accuracy").asDouble(), "both held-out pairs (here: the training pairs)");
    assertTrue(last.get("val_reward_margin").asDouble() > 0, last.toString());
    assertTrue(learnt.subList(0, 3).stream().noneMatch(l -> l.has("val_loss")), "evaluated every 4 steps only");
  }

  private static String[] concat(List<String> base, String... more) {
    List<String> all = new ArrayList<>(base);
    all.addAll(List.of(more));
    return all.toArray(String[]::new);
  }

  @Test
  void initFromCopiesTheWeightsOfAnotherRunAndRejectsAPathWithoutCheckpoints() throws IOException {
    Path sft = write("sft.jsonl", "{\"prompt\": \"a\", \"response\": \"b\"}");
    train(hocon("run.name = source", "recipe.objective = sft", "train.steps = 1", "run.seed = 1",
        "recipe.examples = \"" + sft + "\""));
    Config copy = hocon("run.name = copy", "recipe.objective = sft", "train.steps = 1", "run.seed = 2",
        "train.lr = 1e-12", "recipe.examples = \"" + sft + "\"",
        "recipe.init-from = \"" + dir.resolve("runs/source/checkpoints/step-00000001") + "\"");
    train(copy);
    try (TrainedModel source = TrainedModel.load(dir.resolve("runs/source"), List.of());
        TrainedModel copied = TrainedModel.load(dir.resolve("runs/copy"), List.of())) {
      assertArrayEquals(logits(source), logits(copied), 1e-6, "the copy starts where the source ended");
    }
    Config missing = hocon("run.name = orphan", "recipe.objective = sft", "recipe.examples = \"" + sft + "\"",
        "recipe.init-from = \"" + dir.resolve("nowhere") + "\"");
    ConfigError error = assertThrows(ConfigError.class, () -> train(missing));
    assertTrue(error.getMessage().contains("recipe.init-from"), error.getMessage());
  }

  private static double[] logits(TrainedModel trained) {
    NDArray tokens = trained.manager().create(new long[] {464, 3290, 318, 4171}, new Shape(1, 4));
    return trained.model().forward(tokens, null).logits().toDoubleArray();
  }

  @Test
  void aBadExampleLineIsNamedByFileAndLine() throws IOException {
    Path bad = write("bad.jsonl", "{\"prompt\": \"a\", \"response\": \"b\"}", "{\"prompt\": \"a\"}");
    DataError error = assertThrows(DataError.class, () -> ExampleFile.conversations(bad));
    assertTrue(error.getMessage().contains("bad.jsonl line 2: field 'response' is missing"), error.getMessage());
  }
}
