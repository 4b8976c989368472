package dev.cohort.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.cohort.config.ModelConfig;
import dev.cohort.model.layout.ModelLayout;
import dev.cohort.model.layout.ParamNames;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** DeepSeek-V3's auxiliary-loss-free balancing: the router's bias picks experts, and moves towards balance. */
class BiasBalancingTest extends EngineTest {
  private static final double RATE = 0.25; // a power of two: the expected biases are exact in float32

  private static ModelConfig config(String score) {
    return TinyModel.config("moe.balance = bias", "moe.router.score = " + score, "moe.bias-update-rate = " + RATE);
  }

  @Test
  void biasesMoveDownForExpertsAboveTheMeanLoadAndUpForThoseBelowExactly() {
    ModelConfig config = config("sigmoid");
    Parameters params = Parameters.initialize(ModelLayout.of(config), 1, manager, DataType.FLOAT32);
    new Transformer(config, params, manager); // creates the routers' biases, zero
    int experts = config.moe().numExperts();
    int[][] loads = new int[config.moeLayerCount()][experts];
    for (int[] layer : loads) {
      for (int e = 0; e < experts; e++) layer[e] = e; // mean (E - 1) / 2: below, (equal when E is odd), above
    }
    BiasBalancing.update(params, config, loads);
    BiasBalancing.update(params, config, loads);
    double mean = (experts - 1) / 2.0;
    double[] expected = new double[experts];
    for (int e = 0; e < experts; e++) expected[e] = -2 * RATE * Math.signum(e - mean);
    for (double[] biases : BiasBalancing.values(params)) assertArrayEquals(expected, biases, 0.0);
    assertEquals(config.moeLayerCount(), BiasBalancing.values(params).length, "one bias vector per MoE layer");
  }

  @Test
  void theBiasChoosesTheExpertsWhileTheWeightsStayTheUnbiasedScores() {
    for (String score : new String[] {"softmax", "sigmoid"}) {
      ModelConfig config = config(score);
      Parameters params = Parameters.initialize(ModelLayout.of(config), 2, manager, DataType.FLOAT64);
      Router router = Router.of(params, 0, config.moe(), Autocast.OFF);
      NDArray x = TinyModel.randomNormal(manager, new Shape(16, config.hiddenSize()), DataType.FLOAT64, 3);
      Routing unbiased = router.route(x);
      int favoured = 1;
      NDArray bias = params.buffers().get(ParamNames.routerBias(0));
      float[] shift = new float[config.moe().numExperts()];
      shift[favoured] = 1e3f; // beyond any score: every token picks the favoured expert
      Ops.copyInto(bias, manager.create(shift).toType(bias.getDataType(), false));
      Routing biased = router.route(x);

      int k = config.moe().topK();
      long[] expected = unbiased.experts().toLongArray();
      // Normalised over the chosen experts, a per-token scale cancels: probs stand for sigmoid scores too.
      double[] scores = unbiased.probs().toDoubleArray();
      double[] weights = biased.weights().toDoubleArray();
      for (int n = 0; n < 16; n++) {
        long[] chosen = Arrays.copyOfRange(biased.experts().toLongArray(), n * k, n * k + k);
        assertEquals(favoured, chosen[0], score + ": token " + n + " picks the favoured expert first");
        double sum = 0;
        for (long e : chosen) sum += scores[n * config.moe().numExperts() + (int) e];
        for (int j = 0; j < k; j++) {
          double unbiasedScore = scores[n * config.moe().numExperts() + (int) chosen[j]];
          assertEquals(unbiasedScore / sum, weights[n * k + j], 1e-12, score + ": weight of token " + n);
        }
      }
      assertNotEquals(Arrays.toString(expected), Arrays.toString(biased.experts().toLongArray()), score + ": the bias mattered");
    }
  }
}
