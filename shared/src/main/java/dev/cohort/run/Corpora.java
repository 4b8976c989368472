package dev.cohort.run;

import dev.cohort.config.CohortConfig;
import dev.cohort.config.ConfigError;
import dev.cohort.data.CorpusPreparer;
import dev.cohort.data.PreparedCorpus;

/** The run's corpus: the prepared directory if it was made from data.corpus, else prepared now (first use). */
public final class Corpora {
  private Corpora() {}

  public static PreparedCorpus openOrPrepare(CohortConfig config) {
    PreparedCorpus corpus = CorpusPreparer.openOrPrepare(config.data(), config.run().seed(), false);
    if (corpus.vocabSize() > config.model().vocabSize()) {
      throw new ConfigError("cohort.model.vocab-size", "must be >= the tokenizer's vocabulary ("
          + corpus.vocabSize() + "), got " + config.model().vocabSize());
    }
    return corpus;
  }
}
