package dev.cohort.config;

import java.util.List;

/**
 * The mixture-of-experts feed-forward, as in Mixtral (routed experts) and Qwen2-MoE / DeepSeek (shared experts).
 *
 * @param numExperts routed experts per MoE layer (E)
 * @param topK experts each token is sent to (k)
 * @param expertFfnSize hidden width of one routed expert's SwiGLU (moe_intermediate_size)
 * @param numSharedExperts experts every token always goes through; 0 for plain Mixtral
 * @param sharedExpertFfnSize hidden width of one shared expert
 * @param sharedExpertGate scale the shared experts by sigmoid(x W), as Qwen2-MoE does
 * @param normalizeTopK renormalise the k routing weights to sum to 1 (Mixtral does; Qwen2-MoE does not)
 * @param capacityFactor per-expert capacity = ceil(factor * tokens * k / E); <= 0 means dropless
 * @param auxLossWeight weight of the Switch-style load-balancing loss (used when balance is aux-loss or both)
 * @param zLossWeight weight of the router z-loss (mean squared log-sum-exp of router logits)
 * @param firstDenseLayers the first layers use a dense MLP (DeepSeek's first_k_dense_replace)
 * @param layerStep after those, every layerStep-th layer is MoE (1: all, 2: every other)
 * @param router how the router scores experts (softmax or sigmoid)
 * @param balance what keeps the experts' loads even: {@code aux-loss} (the Switch loss, weighted by aux-loss-weight),
 *     {@code bias} (DeepSeek-V3's auxiliary-loss-free balancing: a per-expert bias added to the scores for the top-k
 *     selection only, moved after every optimizer step towards the mean load), or {@code both}
 * @param biasUpdateRate how far each bias moves per optimizer step (DeepSeek-V3's gamma), with balance bias or both
 * @param seqAuxLossWeight weight of DeepSeek-V3's complementary sequence-wise balance loss (the Switch loss computed
 *     per sequence and averaged); 0 turns it off. Meant to be small (DeepSeek-V3: 1e-4)
 * @param expertGroups the experts form this many groups of E / groups consecutive ids (DeepSeek-V3's n_group), for
 *     group-limited routing. Set it to parallel.ep (or a multiple) so that each group lives on one expert-parallel
 *     rank, which owns consecutive experts: the groups are then the ranks, the same whatever placement runs the model
 * @param maxGroupsPerToken group-limited (DeepSeek's device-limited) routing: a token's top-k experts are chosen
 *     only within the M groups whose best expert scores highest for it (topk_group), so under expert parallelism a
 *     token's all-to-all goes to at most M ranks; 0 turns it off
 */
public record MoeConfig(
    int numExperts,
    int topK,
    int expertFfnSize,
    int numSharedExperts,
    int sharedExpertFfnSize,
    boolean sharedExpertGate,
    boolean normalizeTopK,
    double capacityFactor,
    double auxLossWeight,
    double zLossWeight,
    int firstDenseLayers,
    int layerStep,
    RouterConfig router,
    String balance,
    double biasUpdateRate,
    double seqAuxLossWeight,
    int expertGroups,
    int maxGroupsPerToken) {

  public static final String AUX_LOSS = "aux-loss";
  public static final String BIAS = "bias";
  public static final String BOTH = "both";

  /** Whether layer {@code index} (0-based) carries an MoE block rather than a dense MLP. */
  public boolean isMoeLayer(int index) {
    return numExperts > 0 && index >= firstDenseLayers && (index - firstDenseLayers) % layerStep == 0;
  }

  public boolean dropless() {
    return capacityFactor <= 0;
  }

  /** Whether routers carry DeepSeek-V3's balancing bias. */
  public boolean biasBalanced() {
    return !balance.equals(AUX_LOSS);
  }

  /** The weight the Switch load-balancing loss enters the objective with: 0 when only the bias balances. */
  public double effectiveAuxLossWeight() {
    return balance.equals(BIAS) ? 0 : auxLossWeight;
  }

  void validate(String path) {
    Check.nonNegative(path + ".num-experts", numExperts);
    if (numExperts == 0) return;
    Check.that(topK >= 1 && topK <= numExperts, path + ".top-k",
        "must be in [1, num-experts=" + numExperts + "], got " + topK);
    Check.positive(path + ".expert-ffn-size", expertFfnSize);
    Check.nonNegative(path + ".num-shared-experts", numSharedExperts);
    if (numSharedExperts > 0) Check.positive(path + ".shared-expert-ffn-size", sharedExpertFfnSize);
    Check.nonNegative(path + ".aux-loss-weight", auxLossWeight);
    Check.nonNegative(path + ".z-loss-weight", zLossWeight);
    Check.nonNegative(path + ".first-dense-layers", firstDenseLayers);
    Check.positive(path + ".layer-step", layerStep);
    router.validate(path + ".router");
    Check.that(List.of(AUX_LOSS, BIAS, BOTH).contains(balance), path + ".balance",
        "must be " + AUX_LOSS + ", " + BIAS + " or " + BOTH + ", got '" + balance + "'");
    if (biasBalanced()) Check.positive(path + ".bias-update-rate", biasUpdateRate);
    Check.nonNegative(path + ".seq-aux-loss-weight", seqAuxLossWeight);
    Check.that(expertGroups >= 1 && numExperts % expertGroups == 0, path + ".expert-groups",
        "must divide num-experts=" + numExperts + ", got " + expertGroups);
    Check.that(maxGroupsPerToken >= 0 && maxGroupsPerToken <= expertGroups, path + ".max-groups-per-token",
        "must be in [0, expert-groups=" + expertGroups + "], got " + maxGroupsPerToken);
    if (maxGroupsPerToken > 0) {
      Check.that(maxGroupsPerToken * (numExperts / expertGroups) >= topK, path + ".max-groups-per-token",
          "the " + maxGroupsPerToken + " group(s) of " + numExperts / expertGroups + " experts cannot hold top-k="
              + topK + " choices");
    }
  }
}
