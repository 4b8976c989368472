package dev.cohort.worker.align;

import ai.djl.ndarray.NDManager;
import dev.cohort.data.WindowSampler;
import dev.cohort.model.Loss;
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

  public SftObjective(List<Row> rows, int microBatchSize, int globalBatch, long seed) {
    this.rows = List.copyOf(rows);
    this.order = new EpochOrder(rows.size(), seed);
    this.microBatchSize = microBatchSize;
    this.globalBatch = globalBatch;
  }

  public List<Row> rows() {
    return rows;
  }

  @Override
  public Loss loss(Transformer model, NDManager manager, long step, int microBatch) {
    List<Row> batch = new ArrayList<>();
    for (int r = 0; r < microBatchSize; r++) {
      batch.add(rows.get(order.item(WindowSampler.sampleIndex(step, microBatch, r, microBatchSize, globalBatch))));
    }
    RowBatch tensors = RowBatch.of(batch, manager);
    Transformer.Output out = model.forward(tensors.tokens(), null);
    return Loss.of(tensors.maskedCrossEntropy(out.logits()), out.moe(), model.config().moe());
  }
}
