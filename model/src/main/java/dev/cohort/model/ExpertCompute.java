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
  Combined combine(NDArray x, DispatchPlan plan, NDArray weights);

  /**
   * The same for a forward run again at backward (activation recomputation) with the routing of the first one, so the
   * same plan: by default the experts are computed again.
   */
  default Combined replay(NDArray x, DispatchPlan plan, NDArray weights) {
    return combine(x, plan, weights);
  }

  /**
   * @param out (N, d) the combined outputs
   * @param deferredBackward the experts' part of the backward, to run once every gradient from above has reached out,
   *     when it is not in out's graph (expert parallelism, recomputed experts); null when it is
   */
  record Combined(NDArray out, Runnable deferredBackward) {
    public static Combined inGraph(NDArray out) {
      return new Combined(out, null);
    }
  }
}
