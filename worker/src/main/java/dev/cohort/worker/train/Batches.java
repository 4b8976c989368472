package dev.cohort.worker.train;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.cohort.config.CohortConfig;
import dev.cohort.data.DataMixture;
import dev.cohort.data.WindowSampler;
import dev.cohort.data.Windows;
import java.util.List;

/**
 * Turns global sample indices into tensors. Micro-batch m of step s holds samples
 * s * globalBatch + m * microBatchSize + row (WindowSampler.sampleIndex), whatever process reads them.
 */
public final class Batches implements BatchSource {
  private final Windows train;
  private final WindowSampler validation;
  private final int microBatchSize;
  private final int globalBatch;
  private final int seqLen;

  /** Training batches over the whole mixture, validated on its first source. */
  public static Batches of(DataMixture data, CohortConfig config) {
    return of(data.training(config.data().seqLen(), config.run().seed()), data.sources().get(0), config);
  }

  /** Each source's batches, for its own validation split. */
  public static List<Batches> perSource(DataMixture data, CohortConfig config) {
    return data.sources().stream().map(s -> of(
        new WindowSampler(s.corpus().train(), config.data().seqLen(), config.run().seed()), s, config)).toList();
  }

  private static Batches of(Windows training, DataMixture.Source source, CohortConfig config) {
    int seqLen = config.data().seqLen();
    return new Batches(training, new WindowSampler(source.corpus().validation(), seqLen, config.run().seed()),
        config.train().microBatchSize(), config.train().globalBatch(), seqLen);
  }

  public Batches(Windows train, WindowSampler validation, int microBatchSize, int globalBatch, int seqLen) {
    this.train = train;
    this.validation = validation;
    this.microBatchSize = microBatchSize;
    this.globalBatch = globalBatch;
    this.seqLen = seqLen;
  }

  @Override
  public Batch training(NDManager manager, long step, int microBatch) {
    long[] samples = new long[microBatchSize];
    for (int row = 0; row < microBatchSize; row++) {
      samples[row] = WindowSampler.sampleIndex(step, microBatch, row, microBatchSize, globalBatch);
    }
    return assemble(manager, train, samples);
  }

  /** Validation micro-batch {@code index}: the same samples at every evaluation, so losses compare over time. */
  public Batch validation(NDManager manager, int index) {
    long[] samples = new long[microBatchSize];
    for (int row = 0; row < microBatchSize; row++) samples[row] = (long) index * microBatchSize + row;
    return assemble(manager, validation, samples);
  }

  private Batch assemble(NDManager manager, Windows sampler, long[] samples) {
    long[] tokens = new long[samples.length * seqLen];
    long[] targets = new long[samples.length * seqLen];
    for (int row = 0; row < samples.length; row++) {
      int[] window = sampler.window(samples[row]); // seqLen + 1 tokens
      for (int t = 0; t < seqLen; t++) {
        tokens[row * seqLen + t] = window[t];
        targets[row * seqLen + t] = window[t + 1];
      }
    }
    Shape shape = new Shape(samples.length, seqLen);
    return new Batch(manager.create(tokens, shape), manager.create(targets, shape));
  }
}
