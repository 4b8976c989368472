package dev.cohort.data;

import dev.cohort.config.DataConfig;
import dev.cohort.config.DataSourceConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The prepared corpora a run trains on: data.prepared alone (prepared from data.corpus on first use), or the
 * weighted sources of data.sources, which must all have been prepared with one tokenizer.
 */
public final class DataMixture {
  /**
   * One corpus of the run.
   *
   * @param name how metrics name it: the prepared directory's name ("" for a run without a mixture)
   * @param weight its relative share of training samples
   */
  public record Source(String name, double weight, PreparedCorpus corpus) {}

  private final List<Source> sources;

  private DataMixture(List<Source> sources) {
    this.sources = List.copyOf(sources);
  }

  /** Opens the run's corpora; a single corpus is prepared first when it is missing or was made differently. */
  public static DataMixture open(DataConfig data, long seed, boolean showProgress) {
    if (data.sources().isEmpty()) {
      return new DataMixture(List.of(new Source("", 1, CorpusPreparer.openOrPrepare(data, seed, showProgress))));
    }
    List<Source> sources = new ArrayList<>();
    for (DataSourceConfig s : data.sources()) {
      PreparedCorpus corpus = PreparedCorpus.open(Path.of(s.prepared()));
      String fingerprint = corpus.index().tokenizerFingerprint();
      PreparedCorpus first = sources.isEmpty() ? corpus : sources.get(0).corpus();
      if (!fingerprint.equals(first.index().tokenizerFingerprint())) {
        throw new DataError("data.sources must share one tokenizer: " + first.dir() + " was prepared with "
            + first.index().tokenizer() + " (" + first.index().tokenizerFingerprint() + "), " + corpus.dir()
            + " with " + corpus.index().tokenizer() + " (" + fingerprint + "); prepare them with the same --tokenizer");
      }
      sources.add(new Source(Path.of(s.prepared()).getFileName().toString(), s.weight(), corpus));
    }
    // generate, SFT and export read data.tokenizer: it must be the one the sources were tokenized with.
    String run = Tokenizer.load(data.tokenizer()).fingerprint();
    CorpusIndex first = sources.get(0).corpus().index();
    if (!run.equals(first.tokenizerFingerprint())) {
      throw new DataError("data.sources were prepared with " + first.tokenizer() + " (" + first.tokenizerFingerprint()
          + ") but data.tokenizer is " + data.tokenizer() + " (" + run + "): set data.tokenizer to the sources' one");
    }
    return new DataMixture(sources);
  }

  public List<Source> sources() {
    return sources;
  }

  /** Every source's vocabulary size (one tokenizer, so one size). */
  public int vocabSize() {
    return sources.get(0).corpus().vocabSize();
  }

  /** The training windows: the one corpus's, or the sources' blended by weight. */
  public Windows training(int seqLen, long seed) {
    if (sources.size() == 1) return new WindowSampler(sources.get(0).corpus().train(), seqLen, seed);
    List<WindowSampler> samplers = new ArrayList<>();
    double[] weights = new double[sources.size()];
    for (int i = 0; i < sources.size(); i++) {
      samplers.add(new WindowSampler(sources.get(i).corpus().train(), seqLen, seed));
      weights[i] = sources.get(i).weight();
    }
    return new BlendedWindows(samplers, weights);
  }
}
