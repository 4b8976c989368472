package dev.cohort.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import dev.cohort.config.MoeConfig;

/** The linear top-k router of Mixtral: softmax over experts, keep the k largest, optionally renormalise them. */
public final class Router {
  private final NDArray gate; // (E, d)
  private final int topK;
  private final boolean normalize;
  private final Autocast autocast;

  public Router(NDArray gate, MoeConfig config, Autocast autocast) {
    this.gate = gate;
    this.autocast = autocast;
    this.topK = config.topK();
    this.normalize = config.normalizeTopK();
  }

  /** x: (N, d) -> routing of N tokens to k of E experts. */
  public Routing route(NDArray x) {
    // The product may run in float16; the softmax, the choice and the router losses take float32 logits.
    NDArray logits = autocast.full(autocast.linear(x, gate)); // (N, E)
    NDArray probs = logits.softmax(-1); // (N, E)
    NDList top = probs.topK(topK, -1); // values (N, k), indices (N, k)
    NDArray weights = top.get(0);
    if (normalize) weights = weights.div(weights.sum(new int[] {-1}, true));
    return new Routing(logits, probs, weights, top.get(1));
  }
}
