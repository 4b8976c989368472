package dev.cohort.worker.align;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.cohort.model.Ops;
import java.util.List;

/**
 * Rows as tensors, and the log-probabilities a model gives their targets.
 *
 * @param tokens (B, T) int64
 * @param targets (B, T) int64
 * @param lossMask (B, T) float32, 1 where the target carries loss
 * @param lossTokens the mask's sum, on the host
 */
public record RowBatch(NDArray tokens, NDArray targets, NDArray lossMask, int lossTokens) {

  public static RowBatch of(List<Row> rows, NDManager manager) {
    int b = rows.size();
    int t = rows.get(0).length();
    long[] tokens = new long[b * t];
    long[] targets = new long[b * t];
    float[] mask = new float[b * t];
    int lossTokens = 0;
    for (int r = 0; r < b; r++) {
      Row row = rows.get(r);
      if (row.length() != t) throw new IllegalArgumentException("rows of lengths " + t + " and " + row.length());
      System.arraycopy(row.tokens(), 0, tokens, r * t, t);
      System.arraycopy(row.targets(), 0, targets, r * t, t);
      System.arraycopy(row.lossMask(), 0, mask, r * t, t);
      lossTokens += row.lossTokens();
    }
    Shape shape = new Shape(b, t);
    return new RowBatch(manager.create(tokens, shape), manager.create(targets, shape), manager.create(mask, shape),
        lossTokens);
  }

  /** log p(target) at every position: logits (B, T, V) -> (B, T), gathered, never a dense one-hot. */
  public NDArray targetLogProbs(NDArray logits) {
    return logits.logSoftmax(-1).gather(targets.expandDims(-1), -1).squeeze(-1);
  }

  /** Sum of log p(target) over each row's loss positions: (B, T) -> (B), a response's log-likelihood. */
  public NDArray rowLogProbs(NDArray logits) {
    return targetLogProbs(logits).mul(maskLike(logits)).sum(new int[] {1});
  }

  /** Mean of -log p(target) over every loss position of the batch (0 when there is none). */
  public NDArray maskedCrossEntropy(NDArray logits) {
    NDArray sum = targetLogProbs(logits).mul(maskLike(logits)).sum().neg();
    return sum.div(Ops.scalar(sum, Math.max(1, lossTokens)));
  }

  /** The mask in the logits' dtype (float64 in gradient checks). */
  private NDArray maskLike(NDArray logits) {
    DataType dtype = logits.getDataType();
    return dtype == lossMask.getDataType() ? lossMask : lossMask.toType(dtype, false);
  }
}
