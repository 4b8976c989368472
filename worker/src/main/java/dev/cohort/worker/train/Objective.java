package dev.cohort.worker.train;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cohort.model.Loss;
import dev.cohort.model.Transformer;

/**
 * What a step's micro-batches are and what loss they train: next-token prediction on a corpus (pretraining), the
 * response-masked loss of supervised fine-tuning, or DPO's preference loss (config recipe.objective).
 */
public interface Objective {
  /** The loss of micro-batch {@code microBatch} of step {@code step}, computed while the graph records. */
  Loss loss(Transformer model, NDManager manager, long step, int microBatch);

  /** Figures of the micro-batches since the last call that Loss does not carry (DPO's rewards), for the step line. */
  default void report(ObjectNode line) {}

  /** Held-out figures (val_loss) added to the metrics line of an evaluation step; computes without a graph. */
  default void evaluate(Transformer model, NDManager manager, ObjectNode line) {}

  /** Next-token cross-entropy on the batches of {@code source}: pretraining, and benchmarks on random tokens. */
  static Objective languageModelling(BatchSource source) {
    return (model, manager, step, microBatch) -> {
      Batch batch = source.training(manager, step, microBatch);
      return model.loss(batch.tokens(), batch.targets());
    };
  }
}
