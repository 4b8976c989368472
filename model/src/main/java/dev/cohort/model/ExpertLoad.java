package dev.cohort.model;

import java.util.List;

/**
 * Tokens routed to each expert and slots dropped, per MoE layer, summed over the micro-batches of a step; and the
 * router's mean entropy, summed likewise (divide by the micro-batches for the step's mean).
 */
public final class ExpertLoad {
  private int[][] tokens = new int[0][];
  private int[] dropped = new int[0];
  private double[] entropySums = new double[0];

  /** Adds one micro-batch's MoE outputs, in layer order. */
  public void add(List<MoeOutput> moe) {
    if (tokens.length == 0) {
      tokens = new int[moe.size()][];
      dropped = new int[moe.size()];
      entropySums = new double[moe.size()];
    }
    for (int layer = 0; layer < moe.size(); layer++) {
      int[] counts = moe.get(layer).tokensPerExpert();
      if (tokens[layer] == null) tokens[layer] = new int[counts.length];
      for (int e = 0; e < counts.length; e++) tokens[layer][e] += counts[e];
      dropped[layer] += moe.get(layer).dropped();
      entropySums[layer] += moe.get(layer).routerEntropy();
    }
  }

  public int[][] tokens() {
    return tokens;
  }

  public int[] dropped() {
    return dropped;
  }

  /** Per MoE layer, the router's mean entropy summed over the micro-batches added. */
  public double[] entropySums() {
    return entropySums;
  }
}
