package dev.cohort.data;

import dev.cohort.config.DataConfig;
import java.nio.file.Files;
import java.nio.file.Path;

/** The tokenizer of a run: the one data.tokenizer names, which must be the one its prepared corpus was made with. */
public final class RunTokenizer {
  private RunTokenizer() {}

  /**
   * {@code data.tokenizer}, checked against the prepared corpus at {@code data.prepared} when there is one, so that
   * generating, fine-tuning or exporting never reads a model's ids with another tokenizer than it was trained on
   * (say after the tokenizer.json at that path was replaced).
   */
  public static Tokenizer of(DataConfig data) {
    Tokenizer tokenizer = Tokenizer.load(data.tokenizer());
    Path prepared = Path.of(data.prepared());
    if (!Files.isRegularFile(prepared.resolve(CorpusIndex.FILE_NAME))) return tokenizer;
    CorpusIndex index = CorpusIndex.read(prepared.resolve(CorpusIndex.FILE_NAME));
    if (index.formatVersion() == CorpusIndex.FORMAT_VERSION
        && !index.tokenizerFingerprint().equals(tokenizer.fingerprint())) {
      throw new DataError("data.tokenizer " + data.tokenizer() + " is " + tokenizer.fingerprint()
          + " but the run's corpus " + prepared + " was tokenized with " + index.tokenizer() + " ("
          + index.tokenizerFingerprint() + "): a run never mixes tokenizers; point data.tokenizer at "
          + prepared.resolve(HfTokenizer.FILE_NAME) + " or prepare the corpus again");
    }
    return tokenizer;
  }
}
