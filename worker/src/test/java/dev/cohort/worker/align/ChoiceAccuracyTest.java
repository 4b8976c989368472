package dev.cohort.worker.align;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.cohort.config.CohortConfig;
import dev.cohort.data.Tokenizer;
import dev.cohort.model.Parameters;
import dev.cohort.model.Transformer;
import dev.cohort.model.layout.ModelLayout;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ChoiceAccuracyTest {
  @Test
  void theModelPicksTheCandidateWhoseTokensItFindsMostLikely() {
    CohortConfig config = CohortConfig.load(Path.of("../conf/model/tiny.conf"), List.of("model.vocab-size = 50257"));
    ChatTemplate template = new ChatTemplate(config.recipe().template(), Tokenizer.named("gpt2"));
    List<String> candidates = List.of("yes", "no", "perhaps not");
    try (NDManager manager = NDManager.newBaseManager()) {
      Parameters params = Parameters.initialize(ModelLayout.of(config.model()), 11, manager, DataType.FLOAT64);
      Transformer model = new Transformer(config.model(), params, manager);
      Tokenized prompt = template.render(List.of(Turn.user("Is it?")));
      int best = 0;
      double[] expected = new double[candidates.size()];
      for (int c = 0; c < candidates.size(); c++) {
        expected[c] = fullForwardScore(model, manager, prompt.followedBy(template.turn(Turn.assistant(
            candidates.get(c)))));
        if (expected[c] > expected[best]) best = c;
      }
      String pick = candidates.get(best);
      for (String answer : candidates) {
        ChoiceAccuracy.Result result = ChoiceAccuracy.measure(model, manager, template,
            List.of(new Choice(List.of(Turn.user("Is it?")), candidates, answer)), 128);
        assertEquals(Map.of(pick, 1), result.predicted());
        assertEquals(answer.equals(pick) ? 1.0 : 0.0, result.accuracy());
      }
    }
  }

  /** log p(response tokens | what precedes them), from the logits of every position. */
  private static double fullForwardScore(Transformer model, NDManager manager, Tokenized sequence) {
    int[] t = sequence.tokens();
    long[] ids = new long[t.length];
    for (int i = 0; i < t.length; i++) ids[i] = t[i];
    NDArray logProbs = model.forward(manager.create(ids, new Shape(1, t.length)), null).logits().logSoftmax(-1);
    double score = 0;
    for (int i = 1; i < t.length; i++) {
      if (sequence.response()[i]) score += logProbs.getDouble(0, i - 1, t[i]);
    }
    return score;
  }
}
