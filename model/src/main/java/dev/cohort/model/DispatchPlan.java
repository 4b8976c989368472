package dev.cohort.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/**
 * Where each (token, choice) slot goes: the slots grouped by expert so every expert runs once on a contiguous block,
 * after dropping what exceeds an expert's capacity. Priority follows GShard: every token's first choice is served
 * before any second choice, and within a choice rank earlier tokens first. Planned on the device; the only host
 * read is the E slot counts per expert, which size the expert blocks (and the all-to-all).
 *
 * @param tokens numTokens N
 * @param topK choices per token k
 * @param sortedSlots (M) int64, the kept slots (n * k + j) grouped by expert, expert 0 first, in slot order within
 *     an expert: M <= N * k
 * @param sortedTokens (M) int64, the token of each kept slot (sortedSlots / k), for gathering inputs
 * @param slotPosition (N * k) int64, for each slot n * k + j its row in the sorted block, or M (a zero row) if it
 *     was dropped
 * @param routed (E) int64 on the device, slots each expert was chosen for before capacity, for the balance loss
 * @param keptPerExpert block sizes of sortedSlots, one per expert (host)
 * @param routedPerExpert {@code routed} on the host, for metrics
 */
public record DispatchPlan(
    int tokens,
    int topK,
    NDArray sortedSlots,
    NDArray sortedTokens,
    NDArray slotPosition,
    NDArray routed,
    int[] keptPerExpert,
    int[] routedPerExpert) {

  /** Capacity of each expert for N tokens: ceil(factor * N * k / E); unbounded when dropless. */
  public static int capacity(double capacityFactor, int tokens, int topK, int experts) {
    if (capacityFactor <= 0) return Integer.MAX_VALUE;
    return (int) Math.ceil(capacityFactor * tokens * topK / experts);
  }

  /** @param choices (N, k) int64, each token's chosen experts, best first */
  public static DispatchPlan of(NDArray choices, int experts, int capacity) {
    int n = Math.toIntExact(choices.getShape().get(0));
    int k = Math.toIntExact(choices.getShape().get(1));
    long slots = (long) n * k;
    // Priority order is choice-major: position p = j * N + n holds slot n * k + j.
    NDArray byPriority = choices.transpose(1, 0).reshape(-1); // (k*N)
    NDArray oneHot = byPriority.oneHot(experts, DataType.INT64); // (k*N, E)
    NDArray routed = oneHot.sum(new int[] {0}); // (E)
    // How many slots of the same expert come before each one in priority order: its rank in that expert's queue.
    NDArray rank = oneHot.cumSum(0).mul(oneHot).sum(new int[] {1}).sub(1); // (k*N)
    NDArray rankBySlot = rank.reshape(k, n).transpose(1, 0).reshape(-1); // (N*k)
    NDArray expertBySlot = choices.reshape(-1); // (N*k)
    NDArray slotIds = choices.getManager().arange(0, (int) slots, 1, DataType.INT64); // (N*k)
    // Kept slots sort by (expert, slot); dropped ones after all of them, so the first M of the order are the plan.
    NDArray dropped = rankBySlot.gte(capacity).toType(DataType.INT64, false); // (N*k) 0 or 1
    NDArray order = expertBySlot.add(dropped.mul(experts)).mul(slots).add(slotIds).argSort(0); // (N*k)
    int[] routedPerExpert = toInts(routed.toLongArray()); // the one host read: E counts
    int[] kept = new int[experts];
    int m = 0;
    for (int e = 0; e < experts; e++) {
      kept[e] = Math.min(routedPerExpert[e], capacity);
      m += kept[e];
    }
    NDArray sortedSlots = Ops.slice(order, 0, 0, m); // (M)
    // slot / k as a float division, floored: exact, indices are far below 2^53.
    NDArray sortedTokens = sortedSlots.toType(DataType.FLOAT64, false).div(k).floor()
        .toType(DataType.INT64, false); // (M)
    NDArray slotPosition = order.argSort(0).minimum(m); // (N*k) the inverse permutation, dropped slots at M
    return new DispatchPlan(n, k, sortedSlots, sortedTokens, slotPosition, routed, kept, routedPerExpert);
  }

  private static int[] toInts(long[] values) {
    int[] out = new int[values.length];
    for (int i = 0; i < values.length; i++) out[i] = Math.toIntExact(values[i]);
    return out;
  }

  /** weights: (N, k) the combine weights of the routing -> (M, 1) the weight of each kept slot, in sorted order */
  public NDArray slotWeights(NDArray weights) {
    return Ops.rows(weights.reshape((long) tokens * topK, 1), sortedSlots);
  }

  /**
   * slotOutputs: (M, d) each kept slot's expert output in sorted order, weights: (N, k) -> (N, d), each token's
   * weighted sum over its kept choices.
   */
  public NDArray combine(NDArray slotOutputs, NDArray weights) {
    NDArray weighted = slotOutputs.mul(slotWeights(weights)); // (M, d)
    // With drops, a zero row at index M stands in for every dropped slot, so one gather recombines all k choices;
    // dropless routing needs no padding copy.
    NDArray perSlot = dropped() == 0 ? Ops.rows(weighted, slotPosition)
        : Ops.rowsOrZero(weighted, slotPosition); // (N*k, d)
    return perSlot.reshape(tokens, topK, slotOutputs.getShape().get(1)).sum(new int[] {1}); // (N, d)
  }

  public int kept() {
    return Math.toIntExact(sortedSlots.getShape().get(0));
  }

  public int dropped() {
    return tokens * topK - kept();
  }
}
