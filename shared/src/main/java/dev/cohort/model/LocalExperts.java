package dev.cohort.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import java.util.List;

/** All experts of a layer held in this process: each runs once, on its contiguous block of tokens. */
public final class LocalExperts implements ExpertCompute {
  private final List<SwiGlu> experts;

  public LocalExperts(List<SwiGlu> experts) {
    this.experts = List.copyOf(experts);
  }

  @Override
  public NDArray apply(NDArray sorted, int[] blockSizes) {
    NDList outputs = new NDList();
    long start = 0;
    for (int e = 0; e < blockSizes.length; e++) {
      if (blockSizes[e] == 0) continue; // an idle expert costs nothing
      long end = start + blockSizes[e];
      outputs.add(experts.get(e).forward(Ops.slice(sorted, 0, start, end))); // (n_e, d)
      start = end;
    }
    return outputs.size() == 1 ? outputs.singletonOrThrow() : NDArrays.concat(outputs, 0); // (M, d)
  }
}
