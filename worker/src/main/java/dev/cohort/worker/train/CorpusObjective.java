package dev.cohort.worker.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cohort.model.Transformer;

/** Pretraining: next-token prediction on the corpus's windows, val_loss on its validation split. */
public final class CorpusObjective implements Objective {
  private final Batches batches;
  private final int evalBatches;
  private final Objective training;

  public CorpusObjective(Batches batches, int evalBatches) {
    this.batches = batches;
    this.evalBatches = evalBatches;
    this.training = Objective.languageModelling(batches);
  }

  @Override
  public NDArray tokens(NDManager manager, long step, int microBatch) {
    return training.tokens(manager, step, microBatch);
  }

  @Override
  public Scored loss(Transformer model, NDManager manager, NDArray hidden, long step, int microBatch) {
    return training.loss(model, manager, hidden, step, microBatch);
  }

  @Override
  public void evaluate(Transformer model, NDManager manager, ObjectNode line) {
    line.put("val_loss", Evaluation.validationLoss(model, batches, evalBatches, manager));
  }
}
