package dev.cohort.metrics;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cohort.config.RecipeConfig;
import java.util.List;

/**
 * Figures an objective reports beyond its loss, one value per micro-batch, averaged over a step's micro-batches into
 * the metrics line: the same names whether one worker computes them or the last pipeline stages do and the
 * coordinator adds their sums up.
 */
public final class ObjectiveFigures {
  /** DPO's figures, in the order DpoObjective produces them. */
  public static final List<String> DPO = List.of("dpo_loss", "chosen_nll", "reward_chosen", "reward_rejected",
      "reward_margin", "reward_accuracy");

  private ObjectiveFigures() {}

  /** The figures of recipe.objective {@code objective}: none for lm and sft. */
  public static List<String> of(String objective) {
    return objective.equals(RecipeConfig.DPO) ? DPO : List.of();
  }

  /**
   * Element-wise sum of figures, into {@code sums} when it has them; empty arrays stand for "none computed" (a
   * pipeline stage without the head, or the first micro-batch).
   */
  public static double[] add(double[] sums, double[] more) {
    if (more.length == 0) return sums;
    if (sums.length == 0) return more.clone();
    if (sums.length != more.length) {
      throw new IllegalArgumentException("objective figures of lengths " + sums.length + " and " + more.length);
    }
    for (int i = 0; i < sums.length; i++) sums[i] += more[i];
    return sums;
  }

  /**
   * Puts sums[i] / microBatches under names[i].
   *
   * @param sums per figure, the sum of its values over a step's micro-batches (empty when nothing was computed)
   */
  public static void put(ObjectNode line, List<String> names, double[] sums, int microBatches) {
    if (sums.length == 0) return;
    if (sums.length != names.size()) {
      throw new IllegalArgumentException(sums.length + " objective figures for the " + names.size() + " names "
          + names);
    }
    for (int i = 0; i < sums.length; i++) line.put(names.get(i), sums[i] / microBatches);
  }
}
