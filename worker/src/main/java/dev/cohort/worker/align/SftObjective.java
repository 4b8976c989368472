package dev.cohort.worker.align;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cohort.data.DataError;
import dev.cohort.data.WindowSampler;
import dev.cohort.model.Transformer;
import dev.cohort.worker.train.Objective;
import java.util.ArrayList;
import java.util.List;

/**
 * Supervised fine-tuning: next-token cross-entropy on response tokens only, averaged over the micro-batch's response
 * tokens, on rows that pack several examples each (recipe.pack).
 */
public final class SftObjective implements Objective {
  private final List<Row> rows;
  private final EpochOrder order;
  private final int microBatchSize;
  private final int globalBatch;
  private final List<Tokenized> evalExamples;
  private final int padToken;

  /**
   * @param rows rows without a loss position (an example truncated to its prompt) are left out
   * @param evalExamples held-out examples, one per row, for val_loss (empty: none)
   */
  public SftObjective(List<Row> rows, int microBatchSize, int globalBatch, long seed, List<Tokenized> evalExamples,
      int padToken) {
    this.rows = rows.stream().filter(r -> r.lossTokens() > 0).toList();
    if (this.rows.isEmpty()) throw new DataError("no SFT example has a response token to train on");
    this.order = new EpochOrder(this.rows.size(), seed);
    this.microBatchSize = microBatchSize;
    this.globalBatch = globalBatch;
    this.evalExamples = List.copyOf(evalExamples);
    this.padToken = padToken;
  }

  public List<Row> rows() {
    return rows;
  }

  @Override
  public NDArray tokens(NDManager manager, long step, int microBatch) {
    return RowBatch.tokens(batch(step, microBatch), manager);
  }

  @Override
  public Scored loss(Transformer model, NDManager manager, NDArray hidden, long step, int microBatch) {
    RowBatch batch = RowBatch.of(batch(step, microBatch), manager);
    return Scored.of(batch.maskedCrossEntropy(batch.logProbs(model, hidden)));
  }

  /** val_loss: the mean negative log-likelihood per response token of the held-out examples. */
  @Override
  public void evaluate(Transformer model, NDManager manager, ObjectNode line) {
    if (evalExamples.isEmpty()) return;
    double logLikelihood = 0;
    for (double score : ChoiceAccuracy.scores(model, manager, evalExamples, padToken)) logLikelihood += score;
    long tokens = evalExamples.stream().mapToLong(Tokenized::responseTokens).sum();
    line.put("val_loss", -logLikelihood / tokens);
  }

  /** The rows of micro-batch {@code microBatch} of step {@code step}, as WindowSampler numbers samples. */
  private List<Row> batch(long step, int microBatch) {
    List<Row> batch = new ArrayList<>();
    for (int r = 0; r < microBatchSize; r++) {
      batch.add(rows.get(order.item(WindowSampler.sampleIndex(step, microBatch, r, microBatchSize, globalBatch))));
    }
    return batch;
  }
}
