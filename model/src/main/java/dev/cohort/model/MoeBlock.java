package dev.cohort.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.cohort.config.MoeConfig;
import dev.cohort.model.layout.ParamNames;
import java.util.ArrayList;
import java.util.List;

/**
 * The sparse feed-forward: y = sum over the k chosen experts of w_e(x) * expert_e(x), plus the shared experts that
 * every token passes through (optionally scaled by sigmoid(x W_g), as Qwen2-MoE does).
 */
public final class MoeBlock {
  private final MoeConfig config;
  private final Router router;
  private final ExpertCompute experts;
  private final SwiGlu shared; // null without shared experts
  private final NDArray sharedGate; // (1, d), null without the gate

  public MoeBlock(MoeConfig config, Router router, ExpertCompute experts, SwiGlu shared, NDArray sharedGate) {
    this.config = config;
    this.router = router;
    this.experts = experts;
    this.shared = shared;
    this.sharedGate = sharedGate;
  }

  /** The block of layer {@code layer} with every expert local. */
  public static MoeBlock local(Parameters params, int layer, MoeConfig config) {
    List<SwiGlu> all = new ArrayList<>();
    for (int e = 0; e < config.numExperts(); e++) all.add(SwiGlu.expert(params, layer, e));
    return of(params, layer, config, new LocalExperts(all));
  }

  /** The block of layer {@code layer} whose routed experts run wherever {@code experts} sends them. */
  public static MoeBlock of(Parameters params, int layer, MoeConfig config, ExpertCompute experts) {
    boolean hasShared = config.numSharedExperts() > 0;
    return new MoeBlock(config, new Router(params.get(ParamNames.router(layer)), config), experts,
        hasShared ? SwiGlu.shared(params, layer) : null,
        hasShared && config.sharedExpertGate() ? params.get(ParamNames.sharedExpertGate(layer)) : null);
  }

  /** x: (N, d) -> (N, d) plus the router's losses and counts. */
  public MoeOutput forward(NDArray x) {
    return forward(x, null);
  }

  /** @param chosen the experts an earlier forward over this x chose ({@link MoeOutput#experts()}), or null */
  public MoeOutput forward(NDArray x, NDArray chosen) {
    NDManager manager = x.getManager();
    int n = Math.toIntExact(x.getShape().get(0));
    long d = x.getShape().get(1);
    int k = config.topK();
    Routing routing = router.route(x, chosen);
    DispatchPlan plan = DispatchPlan.of(routing.experts(), config.numExperts(),
        DispatchPlan.capacity(config.capacityFactor(), n, k, config.numExperts()));

    NDArray sorted = Ops.rows(x, plan.sortedTokens()); // (M, d)
    NDArray expertOut = experts.apply(sorted, plan.keptPerExpert()); // (M, d)
    NDArray slotWeights = Ops.rows(routing.weights().reshape(n * (long) k, 1), plan.sortedSlots()); // (M, 1)
    NDArray weighted = expertOut.mul(slotWeights); // (M, d)
    // With drops, a zero row at index M stands in for every dropped slot, so one gather recombines all k choices;
    // dropless routing needs no padding copy.
    NDArray source = plan.dropped() == 0 ? weighted
        : weighted.concat(manager.zeros(new Shape(1, d), x.getDataType()), 0); // (M or M+1, d)
    NDArray out = Ops.rows(source, plan.slotPosition()) // (N*k, d)
        .reshape(n, k, d).sum(new int[] {1}); // (N, d)
    if (shared != null) out = out.add(sharedExperts(x));
    return new MoeOutput(out, balanceLoss(routing.probs(), plan.routed(), n), zLoss(routing.logits()),
        plan.routedPerExpert(), plan.dropped(), routerEntropy(routing.logits()), routing.experts());
  }

  /** Mean over tokens of -sum_e p_e log p_e, for metrics: detached from the graph, one number to the host. */
  private static double routerEntropy(NDArray logits) {
    NDArray logProbs = logits.stopGradient().logSoftmax(-1); // (N, E)
    return logProbs.exp().mul(logProbs).sum(new int[] {-1}).mean().neg().toType(DataType.FLOAT64, false).getDouble();
  }

  private NDArray sharedExperts(NDArray x) {
    NDArray y = shared.forward(x); // (N, d)
    return sharedGate == null ? y : y.mul(Ops.sigmoid(Ops.linear(x, sharedGate))); // gate: (N, 1)
  }

  /**
   * Switch Transformer's auxiliary loss: E * sum_e f_e * P_e with f_e the fraction of the N*k slots routed to e (not
   * differentiable) and P_e the mean router probability of e. Its minimum, 1, is a uniform load.
   */
  private NDArray balanceLoss(NDArray probs, NDArray routed, int n) {
    long experts = routed.getShape().get(0);
    NDArray f = routed.toType(probs.getDataType(), false).div(Ops.scalar(probs, (double) n * config.topK())); // (E)
    return probs.mean(new int[] {0}).mul(f).sum().mul(Ops.scalar(probs, experts));
  }

  /** ST-MoE's router z-loss: keeps router logits small so the softmax stays in a well-conditioned range. */
  private static NDArray zLoss(NDArray logits) {
    return Ops.logSumExp(logits, -1).square().mean();
  }
}
