package dev.cohort.worker.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cohort.model.Transformer;

/**
 * What a step's micro-batches are and what loss they train: next-token prediction on a corpus (pretraining), the
 * response-masked loss of supervised fine-tuning, or DPO's preference loss (config recipe.objective). It has two ends,
 * where a pipeline cuts the model: the tokens the first layer embeds and the loss of the last layer's hidden states.
 * A single worker calls both; in a distributed run the first stage calls {@link #tokens}, the last {@link #loss}, each
 * from (step, micro-batch) alone, so both agree on the examples without exchanging them.
 */
public interface Objective {
  /**
   * The loss of a micro-batch and the figures the metrics line reports besides it.
   *
   * @param loss the scalar objective, what "loss" means in metrics
   * @param figures per ObjectiveFigures name of the recipe's objective, this micro-batch's value (empty for none)
   */
  record Scored(NDArray loss, double[] figures) {
    public static Scored of(NDArray loss) {
      return new Scored(loss, new double[0]);
    }
  }

  /** Token ids (B, T) int64 of micro-batch {@code microBatch} of step {@code step}: what the model embeds. */
  NDArray tokens(NDManager manager, long step, int microBatch);

  /**
   * The loss of the same micro-batch from the last layer's hidden states (B, T, d), computed while the graph records.
   * {@code model} holds the head (the final norm and the LM head).
   */
  Scored loss(Transformer model, NDManager manager, NDArray hidden, long step, int microBatch);

  /** Held-out figures (val_loss) added to the metrics line of an evaluation step; computes without a graph. */
  default void evaluate(Transformer model, NDManager manager, ObjectNode line) {}

  /** Next-token cross-entropy on the batches of {@code source}: pretraining, and benchmarks on random tokens. */
  static Objective languageModelling(BatchSource source) {
    return new Objective() {
      @Override
      public NDArray tokens(NDManager manager, long step, int microBatch) {
        return source.training(manager, step, microBatch).tokens();
      }

      @Override
      public Scored loss(Transformer model, NDManager manager, NDArray hidden, long step, int microBatch) {
        return Scored.of(model.headCrossEntropy(hidden, source.training(manager, step, microBatch).targets()));
      }
    };
  }
}
