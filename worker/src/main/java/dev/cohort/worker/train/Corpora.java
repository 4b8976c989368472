package dev.cohort.worker.train;

import dev.cohort.config.CohortConfig;
import dev.cohort.config.ConfigError;
import dev.cohort.data.DataMixture;
import dev.cohort.data.WindowSampler;
import dev.cohort.data.Windows;
import java.util.List;

/**
 * The run's corpora: the prepared directory if it was made from data.corpus, else prepared now (first use); or the
 * prepared sources of a data mixture (data.sources).
 */
public final class Corpora {
  private Corpora() {}

  public static DataMixture openOrPrepare(CohortConfig config) {
    DataMixture data = DataMixture.open(config.data(), config.run().seed(), false);
    if (data.vocabSize() > config.model().vocabSize()) {
      throw new ConfigError("cohort.model.vocab-size", "must be >= the tokenizer's vocabulary ("
          + data.vocabSize() + "), got " + config.model().vocabSize());
    }
    return data;
  }

  /** Training batches over the whole mixture. */
  public static Batches batches(DataMixture data, CohortConfig config) {
    return batches(data.training(config.data().seqLen(), config.run().seed()), data.sources().get(0), config);
  }

  /** Each source's batches, for its own validation split. */
  public static List<Batches> sourceBatches(DataMixture data, CohortConfig config) {
    return data.sources().stream().map(s -> batches(
        new WindowSampler(s.corpus().train(), config.data().seqLen(), config.run().seed()), s, config)).toList();
  }

  private static Batches batches(Windows training, DataMixture.Source source, CohortConfig config) {
    int seqLen = config.data().seqLen();
    return new Batches(training, new WindowSampler(source.corpus().validation(), seqLen, config.run().seed()),
        config.train().microBatchSize(), config.train().globalBatch(), seqLen);
  }
}
