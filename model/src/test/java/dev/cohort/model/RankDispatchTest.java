package dev.cohort.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.cohort.config.ModelConfig;
import dev.cohort.model.layout.ModelLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The per-rank dispatch, played out in one process: every rank's owner fanning its rows out to its experts and
 * summing them, then the sender summing over the ranks, gives the local combine; and each token crosses to a rank
 * once.
 */
class RankDispatchTest extends EngineTest {
  private static final int RANKS = 2;
  private static final int TOKENS = 40;

  @Test
  void ownersSummingTheirSlotsPerRankGiveTheLocalCombine() {
    for (String capacity : List.of("moe.capacity-factor = 0", "moe.capacity-factor = 0.75")) {
      ModelConfig config = TinyModel.config(capacity);
      Played played = play(config);
      assertArrayEquals(played.local(), played.perRank(), 1e-12, capacity);
    }
  }

  @Test
  void aTokenCrossesToEachRankOnceAndUnderAGroupLimitToOneRank() {
    Played free = play(TinyModel.config("moe.capacity-factor = 0"));
    for (long[] received : free.tokens()) {
      for (int i = 1; i < received.length; i++) assertTrue(received[i - 1] < received[i], "a token sent twice");
    }
    Played limited = play(TinyModel.config("moe.capacity-factor = 0", "moe.expert-groups = 2",
        "moe.max-groups-per-token = 1"));
    assertEquals(TOKENS, limited.tokens().stream().mapToInt(t -> t.length).sum(), "rows sent under the limit");
    assertTrue(free.tokens().stream().mapToInt(t -> t.length).sum() > TOKENS, "without it some token visits both");
  }

  private record Played(double[] local, double[] perRank, List<long[]> tokens) {}

  private Played play(ModelConfig config) {
    int experts = config.moe().numExperts();
    int perRank = experts / RANKS;
    Parameters params = Parameters.initialize(ModelLayout.of(config), 5, manager, DataType.FLOAT64);
    NDArray x = TinyModel.randomNormal(manager, new Shape(TOKENS, config.hiddenSize()), DataType.FLOAT64, 11);
    Routing routing = Router.of(params, 0, config.moe(), Autocast.OFF).route(x);
    DispatchPlan plan = DispatchPlan.of(routing.experts(), experts,
        DispatchPlan.capacity(config.moe().capacityFactor(), TOKENS, config.moe().topK(), experts));
    List<SwiGlu> all = new ArrayList<>();
    for (int e = 0; e < experts; e++) all.add(SwiGlu.expert(params, 0, e, Autocast.OFF));
    double[] local = new LocalExperts(all).combine(x, plan, routing.weights()).out().toDoubleArray();

    RankDispatch dispatch = RankDispatch.of(plan, RANKS);
    NDArray slotWeights = plan.slotWeights(routing.weights()).reshape(-1); // (M)
    List<NDArray> returned = new ArrayList<>();
    List<long[]> tokens = new ArrayList<>();
    for (int j = 0; j < RANKS; j++) {
      NDArray rows = Ops.rows(x, dispatch.tokens().get(j)); // (R_j, d): what crosses to rank j
      NDArray weights = Ops.slice(slotWeights, 0, dispatch.slotStart(j), dispatch.slotEnd(j)); // (M_j)
      NDArray table = dispatch.slotTables().get(j);
      LocalExperts owned = new LocalExperts(all.subList(j * perRank, (j + 1) * perRank));
      NDArray slotInputs = Ops.rows(rows, RankDispatch.slotRows(table, Math.toIntExact(weights.size())));
      int[] counts = Arrays.copyOfRange(plan.keptPerExpert(), j * perRank, (j + 1) * perRank);
      returned.add(RankDispatch.sumSlots(owned.apply(slotInputs, counts).mul(weights.reshape(-1, 1)), table));
      tokens.add(dispatch.tokens().get(j).toLongArray());
    }
    return new Played(local, dispatch.sumRanks(returned).toDoubleArray(), tokens);
  }
}
