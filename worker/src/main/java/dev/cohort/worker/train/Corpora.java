package dev.cohort.worker.train;

import dev.cohort.config.CohortConfig;
import dev.cohort.config.ConfigError;
import dev.cohort.data.CorpusPreparer;
import dev.cohort.data.PreparedCorpus;
import dev.cohort.data.WindowSampler;

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

  public static Batches batches(PreparedCorpus corpus, CohortConfig config) {
    int seqLen = config.data().seqLen();
    long seed = config.run().seed();
    return new Batches(new WindowSampler(corpus.train(), seqLen, seed),
        new WindowSampler(corpus.validation(), seqLen, seed), config.train().microBatchSize(),
        config.train().globalBatch(), seqLen);
  }
}
