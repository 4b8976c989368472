package dev.cohort.worker.train;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import dev.cohort.data.TokenFile;
import dev.cohort.model.Autograd;
import dev.cohort.model.Transformer;

/** Mean next-token cross-entropy over a fixed set of validation micro-batches, recording no graph. */
public final class Evaluation {
  private Evaluation() {}

  public static double validationLoss(Transformer model, Batches batches, int microBatches, NDManager manager) {
    Autograd.record(false);
    double sum = 0;
    for (int i = 0; i < microBatches; i++) {
      try (NDScope scope = new NDScope()) {
        Batch batch = batches.validation(manager, i);
        sum += TrainingStep.scalar(
            Transformer.crossEntropy(model.forward(batch.tokens(), null).logits(), batch.targets()));
      }
    }
    return sum / microBatches;
  }

  /** Loss and token count over a split read in order, in non-overlapping windows. */
  public record SplitLoss(double loss, long tokens) {
    public double perplexity() {
      return Math.exp(loss);
    }
  }

  /**
   * Mean next-token loss over the first {@code maxBatches} batches of {@code batchSize} consecutive windows of
   * {@code tokens} (all of them when maxBatches <= 0).
   */
  public static SplitLoss splitLoss(Transformer model, TokenFile tokens, int seqLen, int batchSize, int maxBatches,
      NDManager manager) {
    Autograd.record(false);
    long windows = (tokens.size() - 1) / seqLen;
    long batches = windows / batchSize;
    if (maxBatches > 0) batches = Math.min(batches, maxBatches);
    if (batches == 0) throw new IllegalArgumentException("split too small: " + tokens.size() + " tokens");
    double sum = 0;
    int[] window = new int[seqLen + 1];
    for (long b = 0; b < batches; b++) {
      long[] inputs = new long[batchSize * seqLen];
      long[] targets = new long[batchSize * seqLen];
      for (int row = 0; row < batchSize; row++) {
        tokens.read((b * batchSize + row) * seqLen, window);
        for (int t = 0; t < seqLen; t++) {
          inputs[row * seqLen + t] = window[t];
          targets[row * seqLen + t] = window[t + 1];
        }
      }
      try (NDScope scope = new NDScope()) {
        Shape shape = new Shape(batchSize, seqLen);
        sum += TrainingStep.scalar(Transformer.crossEntropy(
            model.forward(manager.create(inputs, shape), null).logits(), manager.create(targets, shape)));
      }
    }
    return new SplitLoss(sum / batches, batches * batchSize * seqLen);
  }
}
