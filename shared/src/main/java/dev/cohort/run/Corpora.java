package dev.cohort.run;

import dev.cohort.config.CohortConfig;
import dev.cohort.config.ConfigError;
import dev.cohort.data.DataMixture;

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
}
