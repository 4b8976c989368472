package dev.cohort.model;

import java.util.List;

/** Tokens routed to each expert and slots dropped, per MoE layer, summed over the micro-batches of a step. */
public final class ExpertLoad {
  private int[][] tokens = new int[0][];
  private int[] dropped = new int[0];

  /** Adds one micro-batch's MoE outputs, in layer order. */
  public void add(List<MoeOutput> moe) {
    if (tokens.length == 0) {
      tokens = new int[moe.size()][];
      dropped = new int[moe.size()];
    }
    for (int layer = 0; layer < moe.size(); layer++) {
      int[] counts = moe.get(layer).tokensPerExpert();
      if (tokens[layer] == null) tokens[layer] = new int[counts.length];
      for (int e = 0; e < counts.length; e++) tokens[layer][e] += counts[e];
      dropped[layer] += moe.get(layer).dropped();
    }
  }

  public int[][] tokens() {
    return tokens;
  }

  public int[] dropped() {
    return dropped;
  }
}
