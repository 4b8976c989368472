package dev.cohort.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.types.Shape;
import dev.cohort.config.MoeConfig;
import dev.cohort.model.layout.ParamNames;

/**
 * The linear top-k router: scores over experts (Mixtral's softmax or DeepSeek-V3's sigmoid), keep the k largest,
 * optionally renormalise them. With bias balancing a per-expert bias shifts which experts are chosen, never how much
 * they weigh: the combine weights are the unbiased scores of the chosen experts.
 */
public final class Router {
  private final NDArray gate; // (E, d)
  private final NDArray bias; // (E), null without bias balancing
  private final int topK;
  private final boolean normalize;
  private final boolean sigmoid;
  private final int groups;
  private final int maxGroups; // 0: every expert may be chosen
  private final Autocast autocast;

  public Router(NDArray gate, NDArray bias, MoeConfig config, Autocast autocast) {
    this.gate = gate;
    this.bias = bias;
    this.autocast = autocast;
    this.topK = config.topK();
    this.normalize = config.normalizeTopK();
    this.sigmoid = config.router().sigmoid();
    this.groups = config.expertGroups();
    this.maxGroups = config.maxGroupsPerToken();
  }

  /** The router of layer {@code layer}, with its balancing bias when the config asks for one. */
  public static Router of(Parameters params, int layer, MoeConfig config, Autocast autocast) {
    NDArray gate = params.get(ParamNames.router(layer));
    NDArray bias = config.biasBalanced()
        ? params.buffer(ParamNames.routerBias(layer), new Shape(config.numExperts()), gate)
        : null;
    return new Router(gate, bias, config, autocast);
  }

  /** x: (N, d) -> routing of N tokens to k of E experts. */
  public Routing route(NDArray x) {
    return route(x, null);
  }

  /**
   * The routing of an earlier forward over the same x, replayed (activation recomputation): the same choices, not a
   * second top-k, and the weights recomputed through the graph as the gathered scores of those choices.
   *
   * @param chosen null to choose afresh, else an earlier {@link Routing#experts()} for this x
   */
  public Routing route(NDArray x, NDArray chosen) {
    // The product may run in float16; the scores, the choice and the router losses take float32 logits.
    NDArray logits = autocast.full(autocast.linear(x, gate)); // (N, E)
    NDArray scores = sigmoid ? Ops.sigmoid(logits) : logits.softmax(-1); // (N, E)
    // Sigmoid scores do not sum to one: the balance losses read them normalised per token, as DeepSeek-V3 does.
    NDArray probs = sigmoid ? scores.div(scores.sum(new int[] {-1}, true)) : scores; // (N, E)
    NDArray weights; // (N, k)
    NDArray experts; // (N, k) int64
    if (chosen != null) {
      experts = chosen;
      weights = scores.gather(chosen, -1);
    } else if (bias == null && maxGroups == 0) {
      var top = scores.topK(topK, -1);
      weights = top.get(0);
      experts = top.get(1);
    } else {
      // The bias and the group limit only pick the experts, on a detached copy: no gradient flows through the pick.
      NDArray selection = bias == null ? scores.stopGradient() : scores.stopGradient().add(bias); // (N, E)
      if (maxGroups > 0) selection = withinBestGroups(selection);
      experts = selection.topK(topK, -1).get(1);
      weights = scores.gather(experts, -1);
    }
    if (normalize) weights = weights.div(weights.sum(new int[] {-1}, true));
    return new Routing(logits, probs, weights, experts);
  }

  /**
   * selection: (N, E) -> (N, E) with every expert outside the token's maxGroups best groups at -infinity, a group
   * ranking by its best expert (DeepSeek-V2's device-limited routing).
   */
  private NDArray withinBestGroups(NDArray selection) {
    long n = selection.getShape().get(0);
    long perGroup = selection.getShape().get(1) / groups;
    NDArray grouped = selection.reshape(n, groups, perGroup); // (N, G, E/G)
    NDArray best = grouped.max(new int[] {2}); // (N, G)
    NDArray kept = best.topK(maxGroups, -1).get(1).oneHot(groups).sum(new int[] {1}); // (N, G), 1 for a kept group
    NDArray mask = kept.expandDims(2).broadcast(n, groups, perGroup).reshape(selection.getShape()); // (N, E)
    NDArray excluded = selection.getManager().full(selection.getShape(), Float.NEGATIVE_INFINITY,
        selection.getDataType()); // (N, E)
    return NDArrays.where(mask.gt(Ops.scalar(mask, 0)), selection, excluded);
  }
}
