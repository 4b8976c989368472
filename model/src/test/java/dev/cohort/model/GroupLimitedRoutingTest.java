package dev.cohort.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.cohort.config.ModelConfig;
import dev.cohort.model.layout.ModelLayout;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Device-limited routing: a token's top-k experts come from the M groups whose best expert scores highest. */
class GroupLimitedRoutingTest extends EngineTest {
  private static final int TOKENS = 64;

  @Test
  void everyTokensExpertsLieInItsBestGroupAndKeepTheirUnlimitedWeights() {
    for (String score : List.of("softmax", "sigmoid")) {
      ModelConfig limited = TinyModel.config("moe.router.score = " + score, "moe.expert-groups = 2",
          "moe.max-groups-per-token = 1");
      ModelConfig free = TinyModel.config("moe.router.score = " + score);
      Parameters params = Parameters.initialize(ModelLayout.of(limited), 4, manager, DataType.FLOAT64);
      NDArray x = TinyModel.randomNormal(manager, new Shape(TOKENS, limited.hiddenSize()), DataType.FLOAT64, 5);
      Routing routing = Router.of(params, 0, limited.moe(), Autocast.OFF).route(x);
      Routing unlimited = Router.of(params, 0, free.moe(), Autocast.OFF).route(x);
      int experts = limited.moe().numExperts();
      int k = limited.moe().topK();
      int perGroup = experts / limited.moe().expertGroups();
      double[] scores = unlimited.probs().toDoubleArray();
      int differing = 0;
      for (int n = 0; n < TOKENS; n++) {
        int bestExpert = (int) unlimited.experts().toLongArray()[n * k]; // the unlimited first choice lies in the best group
        for (int j = 0; j < k; j++) {
          assertEquals(bestExpert / perGroup, routing.experts().toLongArray()[n * k + j] / perGroup, score + ": token " + n);
        }
        if (routing.experts().toLongArray()[n * k + 1] != unlimited.experts().toLongArray()[n * k + 1]) differing++;
        double[] expected = new double[k];
        double sum = 0;
        for (int j = 0; j < k; j++) sum += scores[n * experts + (int) routing.experts().toLongArray()[n * k + j]];
        for (int j = 0; j < k; j++) expected[j] = scores[n * experts + (int) routing.experts().toLongArray()[n * k + j]] / sum;
        double[] weights = routing.weights().get(n).toDoubleArray();
        assertArrayEquals(expected, weights, 1e-12, score + ": weights of token " + n);
      }
      assertTrue(differing > 0, score + ": the limit moved some second choices into the first choice's group");
    }
  }
}
