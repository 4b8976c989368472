package dev.cohort.worker.align;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.cohort.model.MoeOutput;
import dev.cohort.model.Ops;
import dev.cohort.model.Transformer;
import java.util.List;

/**
 * Rows as tensors, scored only where they carry loss. With a 50k vocabulary the LM head is most of a small model's
 * cost, and in fine-tuning most positions are prompt: the head runs on the N loss positions' hidden states alone.
 *
 * @param tokens (B, T) int64
 * @param lossPositions (N) int64, flat index b * T + t of every position whose target carries loss, row by row
 * @param lossTargets (N) int64, the target at each of those positions
 * @param rowSelector (B, N) float32, 1 where loss position n belongs to row b
 */
public record RowBatch(NDArray tokens, NDArray lossPositions, NDArray lossTargets, NDArray rowSelector) {

  /** Log-probabilities of the loss targets (N), and the MoE layers' outputs of the forward that made them. */
  public record Scored(NDArray logProbs, List<MoeOutput> moe) {}

  /** The rows' input tokens (B, T) int64 alone: what a pipeline's first stage embeds. */
  public static NDArray tokens(List<Row> rows, NDManager manager) {
    int t = rows.get(0).length();
    long[] tokens = new long[rows.size() * t];
    for (int r = 0; r < rows.size(); r++) {
      Row row = rows.get(r);
      if (row.length() != t) throw new IllegalArgumentException("rows of lengths " + t + " and " + row.length());
      System.arraycopy(row.tokens(), 0, tokens, r * t, t);
    }
    return manager.create(tokens, new Shape(rows.size(), t));
  }

  public static RowBatch of(List<Row> rows, NDManager manager) {
    int b = rows.size();
    int t = rows.get(0).length();
    int n = rows.stream().mapToInt(Row::lossTokens).sum();
    if (n == 0) throw new IllegalArgumentException("a batch without a single loss position");
    long[] positions = new long[n];
    long[] targets = new long[n];
    float[] selector = new float[b * n];
    int next = 0;
    for (int r = 0; r < b; r++) {
      Row row = rows.get(r);
      for (int p = 0; p < t; p++) {
        if (row.lossMask()[p] == 0) continue;
        positions[next] = (long) r * t + p;
        targets[next] = row.targets()[p];
        selector[r * n + next] = 1;
        next++;
      }
    }
    return new RowBatch(tokens(rows, manager), manager.create(positions),
        manager.create(targets), manager.create(selector, new Shape(b, n)));
  }

  public int lossTokens() {
    return Math.toIntExact(lossPositions.size());
  }

  /** One forward of the whole model, then {@link #logProbs}. */
  public Scored score(Transformer model) {
    Transformer.Hidden h = model.layers(model.embed(tokens), null); // (B, T, d)
    return new Scored(logProbs(model, h.hidden()), h.moe());
  }

  /**
   * log p(target) at each loss position from the last layer's hidden states (B, T, d): the head runs on those
   * positions alone, the targets gathered, never a dense one-hot. (N)
   */
  public NDArray logProbs(Transformer model, NDArray hidden) {
    long d = hidden.getShape().get(2);
    NDArray picked = Ops.rows(hidden.reshape(-1, d), lossPositions); // (N, d)
    NDArray logits = model.logits(picked.expandDims(0)).squeeze(0); // (N, V)
    return logits.logSoftmax(-1).gather(lossTargets.reshape(-1, 1), 1).reshape(-1); // (N)
  }

  /** Mean of -log p(target) over the loss positions: (N) -> scalar. */
  public NDArray maskedCrossEntropy(NDArray logProbs) {
    NDArray sum = logProbs.sum().neg();
    return sum.div(Ops.scalar(sum, lossTokens()));
  }

  /** Each row's summed log p over its loss positions, a response's log-likelihood: (N) -> (B). */
  public NDArray rowLogProbs(NDArray logProbs) {
    DataType dtype = logProbs.getDataType();
    NDArray selector = dtype == rowSelector.getDataType() ? rowSelector : rowSelector.toType(dtype, false);
    return selector.matMul(logProbs.reshape(-1, 1)).reshape(-1);
  }
}
