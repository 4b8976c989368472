package dev.cohort.worker.train;

import ai.djl.ndarray.NDManager;

/**
 * Where a training step's micro-batches come from: the corpus in training, random tokens in benchmarks. A pure
 * function of (step, micro-batch): the first pipeline stage asks for a micro-batch's tokens and the last for its
 * targets (a single worker asks twice too), and both must get the same micro-batch.
 */
@FunctionalInterface
public interface BatchSource {
  Batch training(NDManager manager, long step, int microBatch);
}
