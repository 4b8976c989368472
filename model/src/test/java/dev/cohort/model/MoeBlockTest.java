package dev.cohort.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.cohort.config.ModelConfig;
import dev.cohort.config.MoeConfig;
import dev.cohort.model.layout.ModelLayout;
import dev.cohort.model.layout.ParamNames;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The batched MoE block against the definition, one token at a time, and its capacity rules. */
class MoeBlockTest extends EngineTest {
  @Test
  void droplessBlockEqualsNaivePerTokenLoopOverExperts() {
    for (String normalize : List.of("true", "false")) {
      ModelConfig config = TinyModel.config("moe.normalize-top-k = " + normalize, "moe.num-shared-experts = 2",
          "moe.shared-expert-ffn-size = 8", "moe.shared-expert-gate = true");
      Parameters params = Parameters.initialize(ModelLayout.of(config), 3, manager, DataType.FLOAT64);
      NDArray x = TinyModel.randomNormal(manager, new Shape(24, config.hiddenSize()), DataType.FLOAT64, 9);
      double[] batched = MoeBlock.local(params, 0, config.moe(), Autocast.OFF).forward(x).hidden().toDoubleArray();
      double[] naive = naive(params, config, x);
      assertArrayEquals(naive, batched, 1e-12, "normalize-top-k = " + normalize);
    }
  }

  /**
   * The definition, token by token: softmax router, the k most probable experts, weights optionally renormalised,
   * y = sum_j w_j * expert_j(x) + sigmoid(x g) * shared(x).
   */
  private double[] naive(Parameters params, ModelConfig config, NDArray x) {
    MoeConfig moe = config.moe();
    int n = Math.toIntExact(x.getShape().get(0));
    int d = config.hiddenSize();
    double[] out = new double[n * d];
    for (int t = 0; t < n; t++) {
      NDArray token = x.get(t).reshape(1, d);
      double[] probs = Ops.linear(token, params.get(ParamNames.router(0))).softmax(-1).toDoubleArray();
      Integer[] order = new Integer[probs.length];
      for (int e = 0; e < order.length; e++) order[e] = e;
      Arrays.sort(order, Comparator.comparingDouble((Integer e) -> -probs[e]));
      double norm = 0;
      for (int j = 0; j < moe.topK(); j++) norm += probs[order[j]];
      double[] y = SwiGlu.shared(params, 0, Autocast.OFF).forward(token)
          .mul(Ops.sigmoid(Ops.linear(token, params.get(ParamNames.sharedExpertGate(0))))).toDoubleArray();
      for (int j = 0; j < moe.topK(); j++) {
        double w = probs[order[j]] / (moe.normalizeTopK() ? norm : 1);
        double[] expert = SwiGlu.expert(params, 0, order[j], Autocast.OFF).forward(token).toDoubleArray();
        for (int i = 0; i < d; i++) y[i] += w * expert[i];
      }
      System.arraycopy(y, 0, out, t * d, d);
    }
    return out;
  }

  @Test
  void capacityKeepsFirstChoicesBeforeSecondChoicesAndEarlierTokensFirst() {
    // 4 tokens, k = 2, 2 experts. Every token's first choice is expert 0, second expert 1; capacity 3.
    DispatchPlan plan = DispatchPlan.of(choices(4, 0, 1, 0, 1, 0, 1, 0, 1), 2, 3);
    assertArrayEquals(new int[] {4, 4}, plan.routedPerExpert());
    assertArrayEquals(new int[] {3, 3}, plan.keptPerExpert());
    assertEquals(2, plan.dropped());
    // token 3's first choice (slot 6) and second choice (slot 7) are over capacity: the zero row at M
    assertArrayEquals(new long[] {0, 3, 1, 4, 2, 5, 6, 6}, plan.slotPosition().toLongArray());
    assertArrayEquals(new long[] {0, 2, 4, 1, 3, 5}, plan.sortedSlots().toLongArray());
    assertArrayEquals(new long[] {0, 1, 2, 0, 1, 2}, plan.sortedTokens().toLongArray());
  }

  @Test
  void firstChoicesWinOverSecondChoicesForTheSameExpert() {
    // token 0 picks (1, 0); tokens 1 and 2 pick (0, 1). Expert 0 holds 2: the two first choices, not token 0's second.
    DispatchPlan plan = DispatchPlan.of(choices(3, 1, 0, 0, 1, 0, 1), 2, 2);
    long[] position = plan.slotPosition().toLongArray();
    assertEquals(plan.kept(), position[1]);
    assertTrue(position[2] < plan.kept() && position[4] < plan.kept());
  }

  @Test
  void droplessRoutingKeepsEverySlotGroupedByExpertInSlotOrder() {
    // 3 tokens, k = 2 over 3 experts: (2, 0), (0, 1), (2, 1).
    DispatchPlan plan = DispatchPlan.of(choices(3, 2, 0, 0, 1, 2, 1), 3, Integer.MAX_VALUE);
    assertEquals(0, plan.dropped());
    assertArrayEquals(new int[] {2, 2, 2}, plan.keptPerExpert());
    assertArrayEquals(new long[] {1, 2, 3, 5, 0, 4}, plan.sortedSlots().toLongArray());
    assertArrayEquals(new long[] {0, 1, 1, 2, 0, 2}, plan.sortedTokens().toLongArray());
    assertArrayEquals(new long[] {4, 0, 1, 2, 5, 3}, plan.slotPosition().toLongArray());
  }

  /** Each token's k choices, token-major: (tokens, k) int64 on the test's manager. */
  private NDArray choices(int tokens, long... experts) {
    return manager.create(experts, new Shape(tokens, experts.length / tokens));
  }

  @Test
  void capacityIsCeilOfFactorTimesFairShareAndUnboundedWhenDropless() {
    assertEquals(3, DispatchPlan.capacity(1.0, 10, 1, 4));
    assertEquals(13, DispatchPlan.capacity(1.25, 20, 2, 4));
    assertEquals(Integer.MAX_VALUE, DispatchPlan.capacity(0, 10, 2, 4));
    assertEquals(Integer.MAX_VALUE, DispatchPlan.capacity(-1, 10, 2, 4));
  }

  @Test
  void droppedTokensGetOnlyTheResidualPathAndAreCounted() {
    ModelConfig config = TinyModel.config("moe.capacity-factor = 0.25");
    Parameters params = Parameters.initialize(ModelLayout.of(config), 3, manager, DataType.FLOAT64);
    NDArray x = TinyModel.randomNormal(manager, new Shape(32, config.hiddenSize()), DataType.FLOAT64, 4);
    MoeOutput out = MoeBlock.local(params, 0, config.moe(), Autocast.OFF).forward(x);
    int capacity = DispatchPlan.capacity(0.25, 32, 2, 4);
    int kept = Arrays.stream(out.tokensPerExpert()).map(c -> Math.min(c, capacity)).sum();
    assertEquals(32 * 2 - kept, out.dropped());
    assertTrue(out.dropped() > 0, "a capacity factor of 0.25 must drop tokens");
    // Dropless on the same input drops nothing and differs exactly on the tokens that lost a slot.
    ModelConfig dropless = TinyModel.config("moe.capacity-factor = 0");
    MoeOutput full = MoeBlock.local(params, 0, dropless.moe(), Autocast.OFF).forward(x);
    assertEquals(0, full.dropped());
    long differingRows = countDifferingRows(out.hidden(), full.hidden());
    assertTrue(differingRows > 0 && differingRows <= out.dropped(), "rows changed: " + differingRows);
  }

  private static long countDifferingRows(NDArray a, NDArray b) {
    double[] diff = a.sub(b).abs().max(new int[] {1}).toDoubleArray();
    return Arrays.stream(diff).filter(v -> v > 1e-12).count();
  }

  @Test
  void balanceLossIsOneWhenRouterProbabilitiesAreUniformAndZLossIsLogESquared() {
    ModelConfig config = TinyModel.config("moe.top-k = 1");
    Parameters params = Parameters.initialize(ModelLayout.of(config), 3, manager, DataType.FLOAT64);
    params.get(ParamNames.router(0)).muli(0); // all logits equal: P_e = 1/E; ties go to one expert
    NDArray x = TinyModel.randomNormal(manager, new Shape(16, config.hiddenSize()), DataType.FLOAT64, 4);
    MoeOutput skewed = MoeBlock.local(params, 0, config.moe(), Autocast.OFF).forward(x);
    // every token lands on the same expert (f = 1 there) while P is uniform: E * (1 * 1/E) = 1
    assertEquals(1.0, skewed.balanceLoss().getDouble(), 1e-12);
    assertEquals(Math.pow(Math.log(4), 2), skewed.zLoss().getDouble(), 1e-12); // logsumexp of 4 zeros = log 4
    List<Integer> loads = new ArrayList<>();
    for (int c : skewed.tokensPerExpert()) loads.add(c);
    assertTrue(loads.contains(16), "ties must route deterministically to one expert: " + loads);
    assertEquals(Math.log(4), skewed.routerEntropy(), 1e-12, "a uniform router is as undecided as can be");
  }

  @Test
  void routerEntropyIsTheMeanOverTokensOfMinusSumPLogP() {
    ModelConfig config = TinyModel.config();
    Parameters params = Parameters.initialize(ModelLayout.of(config), 3, manager, DataType.FLOAT64);
    params.get(ParamNames.router(0)).muli(Ops.scalar(params.get(ParamNames.router(0)), 50)); // decided routers
    NDArray x = TinyModel.randomNormal(manager, new Shape(12, config.hiddenSize()), DataType.FLOAT64, 6);
    double[] probs = Ops.linear(x, params.get(ParamNames.router(0))).softmax(-1).toDoubleArray();
    int experts = config.moe().numExperts();
    double expected = 0;
    for (int i = 0; i < probs.length; i++) expected -= probs[i] * Math.log(probs[i]) / (probs.length / experts);
    double entropy = MoeBlock.local(params, 0, config.moe(), Autocast.OFF).forward(x).routerEntropy();
    assertEquals(expected, entropy, 1e-12);
    assertTrue(entropy < 0.5 * Math.log(experts), "sharp routers have low entropy: " + entropy);
  }

  /** DeepSeek-V3's sequence-wise loss is, by definition, the mean over sequences of each one's own Switch loss. */
  @Test
  void sequenceBalanceLossIsTheMeanOfEachSequencesOwnSwitchLoss() {
    for (String score : List.of("softmax", "sigmoid")) {
      ModelConfig config = TinyModel.config("moe.seq-aux-loss-weight = 1e-4", "moe.router.score = " + score);
      Parameters params = Parameters.initialize(ModelLayout.of(config), 3, manager, DataType.FLOAT64);
      MoeBlock block = MoeBlock.local(params, 0, config.moe(), Autocast.OFF);
      int tokens = 10;
      NDArray x = TinyModel.randomNormal(manager, new Shape(2 * tokens, config.hiddenSize()), DataType.FLOAT64, 5);
      double first = block.forward(Ops.slice(x, 0, 0, tokens)).balanceLoss().getDouble();
      double second = block.forward(Ops.slice(x, 0, tokens, 2 * tokens)).balanceLoss().getDouble();
      MoeOutput both = block.forward(x, 2, null);
      assertEquals((first + second) / 2, both.seqBalanceLoss().getDouble(), 1e-12, score);
      assertNotEquals(both.balanceLoss().getDouble(), both.seqBalanceLoss().getDouble(), 1e-9,
          score + ": per sequence is not the batch's loss");
    }
  }
}
