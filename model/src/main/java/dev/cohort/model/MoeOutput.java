package dev.cohort.model;

import ai.djl.ndarray.NDArray;

/**
 * @param hidden (N, d) the block's output
 * @param balanceLoss scalar Switch load-balancing loss: E * sum_e f_e * P_e, 1 when perfectly balanced
 * @param seqBalanceLoss scalar sequence-wise balance loss (DeepSeek-V3), 1 when every sequence is balanced; zero
 *     when its weight is 0
 * @param zLoss scalar router z-loss: mean over tokens of logsumexp(logits)^2
 * @param tokensPerExpert slots routed to each expert (before capacity), for metrics
 * @param dropped slots dropped for exceeding an expert's capacity
 * @param routerEntropy mean over tokens of the router distribution's entropy, in nats (log E: undecided; 0: certain)
 * @param experts (N, k) int64, the chosen experts (as {@link Routing#experts()}): what a recomputed forward replays
 * @param expertBackward the experts' part of the backward when it is not in hidden's graph
 *     ({@link ExpertCompute.Combined#deferredBackward()}), else null
 */
public record MoeOutput(NDArray hidden, NDArray balanceLoss, NDArray seqBalanceLoss, NDArray zLoss,
    int[] tokensPerExpert, int dropped, double routerEntropy, NDArray experts, Runnable expertBackward) {

  /** The same values without their graphs: for a loss whose router terms are back-propagated elsewhere. */
  public MoeOutput detached() {
    return new MoeOutput(hidden.stopGradient(), balanceLoss.stopGradient(), seqBalanceLoss.stopGradient(),
        zLoss.stopGradient(), tokensPerExpert, dropped, routerEntropy, experts, expertBackward);
  }
}
