package dev.cohort.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import dev.cohort.config.MoeConfig;

/** The linear top-k router of Mixtral: softmax over experts, keep the k largest, optionally renormalise them. */
public final class Router {
  private final NDArray gate; // (E, d)
  private final int topK;
  private final boolean normalize;

  public Router(NDArray gate, MoeConfig config) {
    this.gate = gate;
    this.topK = config.topK();
    this.normalize = config.normalizeTopK();
  }

  /** x: (N, d) -> routing of N tokens to k of E experts. */
  public Routing route(NDArray x) {
    return route(x, null);
  }

  /**
   * The routing of an earlier forward over the same x, replayed (activation recomputation): the same choices, not a
   * second top-k, and the weights recomputed through the graph as the gathered probabilities of those choices.
   *
   * @param chosen null to choose afresh, else an earlier {@link Routing#experts()} for this x
   */
  public Routing route(NDArray x, NDArray chosen) {
    NDArray logits = Ops.linear(x, gate); // (N, E)
    NDArray probs = logits.softmax(-1); // (N, E)
    NDArray weights; // (N, k)
    NDArray experts; // (N, k) int64
    if (chosen == null) {
      NDList top = probs.topK(topK, -1); // values (N, k), indices (N, k)
      weights = top.get(0);
      experts = top.get(1);
    } else {
      experts = chosen;
      weights = probs.gather(chosen, 1);
    }
    if (normalize) weights = weights.div(weights.sum(new int[] {-1}, true));
    return new Routing(logits, probs, weights, experts);
  }
}
