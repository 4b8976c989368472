package dev.cohort.placement;

/**
 * Cuts a chain of layers into consecutive stages so that the costliest stage is as cheap as possible: a pipeline
 * runs at the pace of its slowest stage. Exact dynamic programme over cut points, O(stages x layers^2), which is
 * nothing for the tens of layers a model has.
 */
final class StageBalancer {
  private final long[] prefix;
  private final long tailCost;
  private final int layers;

  /**
   * @param layerCosts cost of each layer, in order
   * @param tailCost extra cost of whichever stage holds the last layer (the LM head)
   */
  StageBalancer(long[] layerCosts, long tailCost) {
    this.layers = layerCosts.length;
    this.tailCost = tailCost;
    this.prefix = new long[layers + 1];
    for (int i = 0; i < layers; i++) prefix[i + 1] = prefix[i] + layerCosts[i];
  }

  /** Cost of the stage holding layers [from, to). */
  long cost(int from, int to) {
    return prefix[to] - prefix[from] + (to == layers ? tailCost : 0);
  }

  /**
   * Stage boundaries: stage s holds layers [cuts[s], cuts[s+1]), each at least one. Among splits with the same
   * bottleneck, later stages get as few layers as possible, so the result is deterministic.
   */
  int[] cuts(int stages) {
    // best[s][i]: smallest bottleneck splitting layers [0, i) into s stages; choice[s][i]: where the last one starts.
    long[][] best = new long[stages + 1][layers + 1];
    int[][] choice = new int[stages + 1][layers + 1];
    for (int i = 1; i <= layers; i++) best[1][i] = cost(0, i);
    for (int s = 2; s <= stages; s++) {
      for (int i = s; i <= layers; i++) {
        best[s][i] = Long.MAX_VALUE;
        for (int start = s - 1; start < i; start++) {
          long bottleneck = Math.max(best[s - 1][start], cost(start, i));
          if (bottleneck <= best[s][i]) {
            best[s][i] = bottleneck;
            choice[s][i] = start;
          }
        }
      }
    }
    int[] cuts = new int[stages + 1];
    cuts[stages] = layers;
    for (int s = stages; s >= 2; s--) cuts[s - 1] = choice[s][cuts[s]];
    return cuts;
  }
}
