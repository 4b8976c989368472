package dev.cohort.worker.stage;

/**
 * Which step and micro-batch the engine thread is working on, for components that exchange tensors mid-forward.
 * The micro-batch is its position in this worker's schedule: replicas run different global micro-batches, in
 * lockstep, so the position is what their exchanges agree on.
 */
final class MicroBatchCursor {
  long epoch;
  long step;
  int microBatch;
  /** Time spent in expert-parallel exchanges so far, so the step can count it as communication, not compute. */
  long exchangeNanos;

  void at(long epoch, long step, int microBatch) {
    this.epoch = epoch;
    this.step = step;
    this.microBatch = microBatch;
  }
}
