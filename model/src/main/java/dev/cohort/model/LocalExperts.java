package dev.cohort.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import java.util.Arrays;
import java.util.List;

/** All experts of a layer held in this process: each runs once, on its contiguous block of tokens. */
public final class LocalExperts implements ExpertCompute {
  private final List<SwiGlu> experts;

  public LocalExperts(List<SwiGlu> experts) {
    this.experts = List.copyOf(experts);
  }

  @Override
  public NDArray apply(NDArray sorted, int[] blockSizes) {
    NDList blocks = Ops.split(sorted, Arrays.stream(blockSizes).asLongStream().toArray(), 0); // (n_e, d) each
    NDList outputs = new NDList();
    for (int e = 0; e < blockSizes.length; e++) {
      if (blockSizes[e] == 0) continue; // an idle expert costs nothing
      outputs.add(experts.get(e).forward(blocks.get(e))); // (n_e, d)
    }
    return outputs.size() == 1 ? outputs.singletonOrThrow() : NDArrays.concat(outputs, 0); // (M, d)
  }
}
