package dev.cohort.model;

import ai.djl.ndarray.NDArray;

/**
 * The router's decision for N tokens.
 *
 * @param logits (N, E) router logits, for the z-loss
 * @param probs (N, E) softmax of the logits, for the load-balancing loss
 * @param weights (N, k) combine weights of the chosen experts (renormalised if configured)
 * @param experts (N, k) int64, the chosen experts, best first
 */
public record Routing(NDArray logits, NDArray probs, NDArray weights, NDArray experts) {}
