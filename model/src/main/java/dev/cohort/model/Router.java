package dev.cohort.model;

import ai.djl.ndarray.NDArray;
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

  public Router(NDArray gate, NDArray bias, MoeConfig config) {
    this.gate = gate;
    this.bias = bias;
    this.topK = config.topK();
    this.normalize = config.normalizeTopK();
    this.sigmoid = config.router().sigmoid();
  }

  /** The router of layer {@code layer}, with its balancing bias when the config asks for one. */
  public static Router of(Parameters params, int layer, MoeConfig config) {
    NDArray gate = params.get(ParamNames.router(layer));
    NDArray bias = config.biasBalanced()
        ? params.buffer(ParamNames.routerBias(layer), new Shape(config.numExperts()), gate)
        : null;
    return new Router(gate, bias, config);
  }

  /** x: (N, d) -> routing of N tokens to k of E experts. */
  public Routing route(NDArray x) {
    NDArray logits = Ops.linear(x, gate); // (N, E)
    NDArray scores = sigmoid ? Ops.sigmoid(logits) : logits.softmax(-1); // (N, E)
    // Sigmoid scores do not sum to one: the balance losses read them normalised per token, as DeepSeek-V3 does.
    NDArray probs = sigmoid ? scores.div(scores.sum(new int[] {-1}, true)) : scores; // (N, E)
    NDArray weights; // (N, k)
    NDArray chosen; // (N, k) int64
    if (bias == null) {
      var top = scores.topK(topK, -1);
      weights = top.get(0);
      chosen = top.get(1);
    } else {
      // The bias only picks the experts, on a detached copy: no gradient flows through the selection.
      chosen = scores.stopGradient().add(bias).topK(topK, -1).get(1);
      weights = scores.gather(chosen, -1);
    }
    if (normalize) weights = weights.div(weights.sum(new int[] {-1}, true));
    // The host needs the choices to plan the dispatch (sort by expert, apply capacity): one small copy per layer.
    return new Routing(logits, probs, weights, chosen.toLongArray());
  }
}
