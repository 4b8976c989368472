package dev.cohort.model;

import java.util.Arrays;

/**
 * Where each (token, choice) slot goes: the slots grouped by expert so every expert runs once on a contiguous block,
 * after dropping what exceeds an expert's capacity. Priority follows GShard: every token's first choice is served
 * before any second choice, and within a choice rank earlier tokens first.
 *
 * @param tokens numTokens N
 * @param topK choices per token k
 * @param sortedSlots the kept slots (n * k + j) grouped by expert, expert 0 first: length M <= N * k
 * @param sortedTokens the token of each kept slot (sortedSlots / k), for gathering inputs
 * @param keptPerExpert block sizes of sortedSlots, one per expert
 * @param routedPerExpert slots each expert was chosen for before capacity, for the load-balancing loss and metrics
 * @param slotPosition for each slot n * k + j its row in the sorted block, or M (a zero row) if it was dropped
 */
public record DispatchPlan(
    int tokens,
    int topK,
    long[] sortedSlots,
    long[] sortedTokens,
    int[] keptPerExpert,
    int[] routedPerExpert,
    long[] slotPosition) {

  /** Capacity of each expert for N tokens: ceil(factor * N * k / E); unbounded when dropless. */
  public static int capacity(double capacityFactor, int tokens, int topK, int experts) {
    if (capacityFactor <= 0) return Integer.MAX_VALUE;
    return (int) Math.ceil(capacityFactor * tokens * topK / experts);
  }

  public static DispatchPlan of(long[] choices, int tokens, int topK, int experts, int capacity) {
    int[] routed = new int[experts];
    for (long e : choices) routed[(int) e]++;
    int[] kept = new int[experts];
    int[] start = new int[experts + 1];
    for (int e = 0; e < experts; e++) {
      kept[e] = Math.min(routed[e], capacity);
      start[e + 1] = start[e] + kept[e];
    }
    int m = start[experts];
    long[] sortedSlots = new long[m];
    long[] slotPosition = new long[choices.length];
    Arrays.fill(slotPosition, m);
    int[] filled = new int[experts];
    for (int j = 0; j < topK; j++) {
      for (int n = 0; n < tokens; n++) {
        int slot = n * topK + j;
        int e = (int) choices[slot];
        if (filled[e] == kept[e]) continue; // over capacity: the token skips this expert (residual only)
        int position = start[e] + filled[e]++;
        sortedSlots[position] = slot;
        slotPosition[slot] = position;
      }
    }
    // Within an expert's block, order by slot so the block reads tokens in order (deterministic, cache friendly).
    for (int e = 0; e < experts; e++) {
      Arrays.sort(sortedSlots, start[e], start[e + 1]);
      for (int p = start[e]; p < start[e + 1]; p++) slotPosition[(int) sortedSlots[p]] = p;
    }
    long[] sortedTokens = new long[m];
    for (int p = 0; p < m; p++) sortedTokens[p] = sortedSlots[p] / topK;
    return new DispatchPlan(tokens, topK, sortedSlots, sortedTokens, kept, routed, slotPosition);
  }

  public int kept() {
    return sortedSlots.length;
  }

  public int dropped() {
    return tokens * topK - kept();
  }
}
