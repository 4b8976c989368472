package dev.cohort.worker.train;

import ai.djl.ndarray.NDManager;

/** Where a training step's micro-batches come from: the corpus in training, random tokens in benchmarks. */
@FunctionalInterface
public interface BatchSource {
  Batch training(NDManager manager, long step, int microBatch);
}
