package dev.cohort.worker.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cohort.data.DataMixture;
import dev.cohort.model.Transformer;
import java.util.List;

/**
 * Pretraining: next-token prediction on the corpus's windows (a mixture's, blended), val_loss (nats per token) and
 * val_bpb (bits per byte of text, comparable across tokenizers) on the validation split. A mixture reports each
 * source's as val_loss_NAME and val_bpb_NAME, and as val_loss / val_bpb their mean weighted as the training samples.
 */
public final class CorpusObjective implements Objective {
  private final Batches batches;
  private final int evalBatches;
  private final List<DataMixture.Source> sources;
  private final List<Batches> sourceBatches;
  private final Objective training;

  /** @param sourceBatches each source's batches, in the order of {@code sources}, for its validation split */
  public CorpusObjective(Batches batches, int evalBatches, List<DataMixture.Source> sources,
      List<Batches> sourceBatches) {
    this.batches = batches;
    this.evalBatches = evalBatches;
    this.sources = List.copyOf(sources);
    this.sourceBatches = List.copyOf(sourceBatches);
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
    double loss = 0;
    double bpb = 0;
    double totalWeight = sources.stream().mapToDouble(DataMixture.Source::weight).sum();
    for (int i = 0; i < sources.size(); i++) {
      DataMixture.Source source = sources.get(i);
      double sourceLoss = Evaluation.validationLoss(model, sourceBatches.get(i), evalBatches, manager);
      double sourceBpb = source.corpus().index().validation().bitsPerByte(sourceLoss);
      if (sources.size() > 1) {
        line.put("val_loss_" + source.name(), sourceLoss);
        line.put("val_bpb_" + source.name(), sourceBpb);
      }
      loss += source.weight() / totalWeight * sourceLoss;
      bpb += source.weight() / totalWeight * sourceBpb;
    }
    line.put("val_loss", loss);
    line.put("val_bpb", bpb);
  }
}
