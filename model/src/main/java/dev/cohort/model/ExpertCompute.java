package dev.cohort.model;

import ai.djl.ndarray.NDArray;

/**
 * Runs the routed experts on tokens already grouped by expert. Locally this is a loop over the experts; under expert
 * parallelism an implementation sends each block to the worker that owns the expert and returns the answers.
 */
public interface ExpertCompute {
  /**
   * @param sorted (M, d) token rows, expert 0's block first
   * @param blockSizes rows per expert, summing to M
   * @return (M, d) each row passed through its expert, in the same order
   */
  NDArray apply(NDArray sorted, int[] blockSizes);
}
