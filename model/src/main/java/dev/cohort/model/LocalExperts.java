package dev.cohort.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import dev.cohort.config.MoeConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** All experts of a layer held in this process: each runs once, on its contiguous block of tokens. */
public final class LocalExperts implements ExpertCompute {
  private final List<SwiGlu> experts;

  public LocalExperts(List<SwiGlu> experts) {
    this.experts = List.copyOf(experts);
  }

  /** Every routed expert of layer {@code layer}. */
  public static LocalExperts of(Parameters params, int layer, MoeConfig config, Autocast autocast) {
    List<SwiGlu> all = new ArrayList<>();
    for (int e = 0; e < config.numExperts(); e++) all.add(SwiGlu.expert(params, layer, e, autocast));
    return new LocalExperts(all);
  }

  @Override
  public Combined combine(NDArray x, DispatchPlan plan, NDArray weights) {
    NDArray sorted = Ops.rows(x, plan.sortedTokens()); // (M, d)
    return Combined.inGraph(plan.combine(apply(sorted, plan.keptPerExpert()), weights)); // (N, d)
  }

  /**
   * @param sorted (M, d) token rows, expert 0's block first
   * @param blockSizes rows per expert, summing to M
   * @return (M, d) each row passed through its expert, in the same order and in sorted's dtype
   */
  public NDArray apply(NDArray sorted, int[] blockSizes) {
    NDList blocks = Ops.split(sorted, Arrays.stream(blockSizes).asLongStream().toArray(), 0); // (n_e, d) each
    NDList outputs = new NDList();
    for (int e = 0; e < blockSizes.length; e++) {
      if (blockSizes[e] == 0) continue; // an idle expert costs nothing
      outputs.add(experts.get(e).forward(blocks.get(e))); // (n_e, d)
    }
    NDArray out = outputs.size() == 1 ? outputs.singletonOrThrow() : NDArrays.concat(outputs, 0); // (M, d)
    // Back in sorted's dtype: under expert parallelism the rows cross the wire.
    return Autocast.cast(out, sorted.getDataType());
  }
}
