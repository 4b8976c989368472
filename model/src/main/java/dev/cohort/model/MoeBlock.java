package dev.cohort.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.cohort.config.MoeConfig;
import dev.cohort.model.layout.ParamNames;

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
  private final Autocast autocast;

  public MoeBlock(MoeConfig config, Router router, ExpertCompute experts, SwiGlu shared, NDArray sharedGate,
      Autocast autocast) {
    this.config = config;
    this.autocast = autocast;
    this.router = router;
    this.experts = experts;
    this.shared = shared;
    this.sharedGate = sharedGate;
  }

  /** The block of layer {@code layer} with every expert local. */
  public static MoeBlock local(Parameters params, int layer, MoeConfig config, Autocast autocast) {
    return of(params, layer, config, LocalExperts.of(params, layer, config, autocast), autocast);
  }

  /** The block of layer {@code layer} whose routed experts run wherever {@code experts} sends them. */
  public static MoeBlock of(Parameters params, int layer, MoeConfig config, ExpertCompute experts,
      Autocast autocast) {
    boolean hasShared = config.numSharedExperts() > 0;
    return new MoeBlock(config, Router.of(params, layer, config, autocast), experts,
        hasShared ? SwiGlu.shared(params, layer, autocast) : null,
        hasShared && config.sharedExpertGate() ? params.get(ParamNames.sharedExpertGate(layer)) : null, autocast);
  }

  /** x: (N, d), one sequence -> (N, d) plus the router's losses and counts. */
  public MoeOutput forward(NDArray x) {
    return forward(x, 1, null);
  }

  /**
   * x: (N, d), {@code sequences} sequences of N / sequences tokens back to back -> (N, d) plus losses and counts.
   *
   * @param chosen the experts an earlier forward over this x chose ({@link MoeOutput#experts()}), or null
   */
  public MoeOutput forward(NDArray x, int sequences, NDArray chosen) {
    NDManager manager = x.getManager();
    int n = Math.toIntExact(x.getShape().get(0));
    Routing routing = router.route(x, chosen);
    DispatchPlan plan = DispatchPlan.of(routing.experts(), config.numExperts(),
        DispatchPlan.capacity(config.capacityFactor(), n, config.topK(), config.numExperts()));
    // A replayed routing is a recomputed forward: the experts may keep what the first one computed.
    ExpertCompute.Combined routed = chosen == null ? experts.combine(x, plan, routing.weights())
        : experts.replay(x, plan, routing.weights());
    NDArray out = routed.out(); // (N, d)
    if (shared != null) out = out.add(sharedExperts(x));
    NDArray seqBalance = config.seqAuxLossWeight() > 0
        ? sequenceBalanceLoss(routing.probs(), routing.experts(), sequences)
        : manager.zeros(new Shape(), x.getDataType());
    return new MoeOutput(out, balanceLoss(routing.probs(), plan.routed(), n), seqBalance, zLoss(routing.logits()),
        plan.routedPerExpert(), plan.dropped(), routerEntropy(routing.logits()), routing.experts(),
        routed.deferredBackward());
  }

  /** Mean over tokens of -sum_e p_e log p_e, for metrics: detached from the graph, one number to the host. */
  private static double routerEntropy(NDArray logits) {
    NDArray logProbs = logits.stopGradient().logSoftmax(-1); // (N, E)
    return logProbs.exp().mul(logProbs).sum(new int[] {-1}).mean().neg().toType(DataType.FLOAT64, false).getDouble();
  }

  private NDArray sharedExperts(NDArray x) {
    NDArray y = shared.forward(x); // (N, d)
    return sharedGate == null ? y : y.mul(Ops.sigmoid(autocast.linear(x, sharedGate))); // gate: (N, 1)
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

  /**
   * DeepSeek-V3's complementary sequence-wise balance loss: the Switch loss of each sequence alone, averaged over the
   * sequences, so that no single sequence piles onto a few experts even when the batch as a whole is balanced.
   * probs: (N, E), choices: (N, k) int64, token-major.
   */
  private NDArray sequenceBalanceLoss(NDArray probs, NDArray choices, int sequences) {
    int experts = config.numExperts();
    long tokensPerSequence = choices.getShape().get(0) / sequences;
    NDArray slots = choices.oneHot(experts).sum(new int[] {1}); // (N, E): the token's slots routed to e
    // As balanceLoss, per sequence: f_e = slots routed to e / (k T), then E * sum_e f_e P_e.
    NDArray f = slots.reshape(sequences, tokensPerSequence, experts).sum(new int[] {1})
        .toType(probs.getDataType(), false)
        .div(Ops.scalar(probs, (double) tokensPerSequence * config.topK())); // (B, E)
    NDArray p = probs.reshape(sequences, tokensPerSequence, experts).mean(new int[] {1}); // (B, E)
    return p.mul(f).sum(new int[] {1}).mul(Ops.scalar(probs, experts)).mean();
  }

  /** ST-MoE's router z-loss: keeps router logits small so the softmax stays in a well-conditioned range. */
  private static NDArray zLoss(NDArray logits) {
    return Ops.logSumExp(logits, -1).square().mean();
  }
}
