package dev.cohort.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.cohort.config.CdmoeConfig;
import dev.cohort.config.ModelConfig;
import dev.cohort.model.layout.ModelLayout;
import dev.cohort.model.layout.ParamNames;
import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Doge's CDMoE against its definition: the exact top-k over all E product-key scores, one token at a time. */
class CdMoeTest extends EngineTest {
  /** A tiny dense model with 16 private experts (4 x 4 product keys), 2 heads of 3 experts each. */
  static final String[] CDMOE = {"moe.num-experts = 0", "cdmoe.num-experts = 16", "cdmoe.num-heads = 2",
      "cdmoe.experts-per-head = 3", "cdmoe.retrieval-size = 8"};
  private static final int TOKENS = 12;

  @Test
  void productKeyRetrievalEqualsTheExactTopKOverEveryExpert() {
    ModelConfig config = TinyModel.config(CDMOE);
    Parameters params = Parameters.initialize(ModelLayout.of(config), 3, manager, DataType.FLOAT64);
    NDArray x = TinyModel.randomNormal(manager, new Shape(TOKENS, config.hiddenSize()), DataType.FLOAT64, 9);
    double[] batched = CdMoe.of(params, 0, config.cdmoe(), Autocast.OFF).forward(x).toDoubleArray();
    double[] shared = SwiGlu.dense(params, 0, Autocast.OFF).forward(x).toDoubleArray();
    double[] naive = naivePrivateExperts(params, config, x);
    for (int i = 0; i < naive.length; i++) naive[i] += shared[i];
    assertArrayEquals(naive, batched, 1e-12);
    double privatePart = 0;
    for (int i = 0; i < naive.length; i++) privatePart += Math.abs(batched[i] - shared[i]);
    assertTrue(privatePart > 1e-6, "the private experts add something to the shared branch");
  }

  /**
   * The definition: per head, score every expert e = i * K + j as q1 . K1_i + q2 . K2_j, keep the top k, weight them
   * by the softmax of their scores; y = sum over heads and chosen e of w_e * silu(down_e . x) * up_e.
   */
  private static double[] naivePrivateExperts(Parameters params, ModelConfig model, NDArray x) {
    CdmoeConfig c = model.cdmoe();
    int d = model.hiddenSize();
    int half = c.retrievalSize() / 2;
    int numKeys = c.numKeys();
    double[] q = Ops.linear(x, params.get(ParamNames.cdmoe(0, "queries_proj.weight"))).toDoubleArray(); // (N, H*R)
    double[] keys = params.get(ParamNames.cdmoe(0, "keys")).toDoubleArray(); // (H, K, 2, R/2)
    double[] down = params.get(ParamNames.cdmoe(0, "down_embed.weight")).toDoubleArray();
    double[] up = params.get(ParamNames.cdmoe(0, "up_embed.weight")).toDoubleArray();
    double[] xs = x.toDoubleArray();
    double[] out = new double[TOKENS * d];
    for (int n = 0; n < TOKENS; n++) {
      for (int h = 0; h < c.numHeads(); h++) {
        double[] scores = new double[c.numExperts()];
        for (int e = 0; e < c.numExperts(); e++) {
          for (int table = 0; table < 2; table++) {
            int key = table == 0 ? e / numKeys : e % numKeys;
            for (int r = 0; r < half; r++) {
              double query = q[n * c.numHeads() * c.retrievalSize() + h * c.retrievalSize() + table * half + r];
              scores[e] += query * keys[((h * numKeys + key) * 2 + table) * half + r];
            }
          }
        }
        int[] chosen = IntStream.range(0, c.numExperts()).boxed()
            .sorted(Comparator.comparingDouble(e -> -scores[e])).limit(c.expertsPerHead()).mapToInt(i -> i).toArray();
        double max = Arrays.stream(chosen).mapToDouble(e -> scores[e]).max().orElseThrow();
        double norm = Arrays.stream(chosen).mapToDouble(e -> Math.exp(scores[e] - max)).sum();
        for (int e : chosen) {
          double weight = Math.exp(scores[e] - max) / norm;
          double inner = 0;
          for (int i = 0; i < d; i++) inner += down[e * d + i] * xs[n * d + i];
          double activation = inner / (1 + Math.exp(-inner)) * weight;
          for (int i = 0; i < d; i++) out[n * d + i] += activation * up[e * d + i];
        }
      }
    }
    return out;
  }
}
