package dev.cohort.model;

import ai.djl.ndarray.NDArray;

/**
 * Runs a layer's routed experts on the tokens routed to them and sums each token's weighted answers. Locally this is
 * a loop over the experts; under expert parallelism an implementation sends each token to the workers that own its
 * experts and sums what they send back.
 */
public interface ExpertCompute {
  /**
   * x: (N, d), routed by {@code plan} with combine weights (N, k) -> (N, d): for each token the sum over its kept
   * choices of weight * expert(x), in x's dtype (zero for a token whose every choice was dropped).
   */
  NDArray combine(NDArray x, DispatchPlan plan, NDArray weights);
}
