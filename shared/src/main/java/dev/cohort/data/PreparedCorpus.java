package dev.cohort.data;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A tokenized corpus on disk, as {@link CorpusPreparer} writes it: both splits memory-mapped, and the index
 * that says how they were made. Immutable and safe to share between threads.
 */
public final class PreparedCorpus {
  private final Path dir;
  private final CorpusIndex index;
  private final TokenFile train;
  private final TokenFile validation;

  private PreparedCorpus(Path dir, CorpusIndex index, TokenFile train, TokenFile validation) {
    this.dir = dir;
    this.index = index;
    this.train = train;
    this.validation = validation;
  }

  /** Opens the prepared corpus in {@code dir}, checking that its files match its index. */
  public static PreparedCorpus open(Path dir) {
    Path indexFile = dir.resolve(CorpusIndex.FILE_NAME);
    if (!Files.isRegularFile(indexFile)) throw missing(dir, "no " + CorpusIndex.FILE_NAME);
    CorpusIndex index = CorpusIndex.read(indexFile);
    if (index.formatVersion() != CorpusIndex.FORMAT_VERSION) {
      throw new DataError("prepared corpus at " + dir + " has format version " + index.formatVersion()
          + ", this build reads " + CorpusIndex.FORMAT_VERSION + ": prepare it again");
    }
    TokenFile train = openSplit(dir, CorpusPreparer.TRAIN_FILE, index, index.train());
    TokenFile validation = openSplit(dir, CorpusPreparer.VALIDATION_FILE, index, index.validation());
    return new PreparedCorpus(dir, index, train, validation);
  }

  private static TokenFile openSplit(Path dir, String name, CorpusIndex index, SplitStats expected) {
    Path file = dir.resolve(name);
    if (!Files.isRegularFile(file)) throw missing(dir, "no " + name);
    TokenFile tokens = TokenFile.open(file, index.tokenDtype());
    if (tokens.size() != expected.tokens()) {
      throw missing(dir, name + " holds " + tokens.size() + " tokens but the index says " + expected.tokens());
    }
    return tokens;
  }

  private static DataError missing(Path dir, String why) {
    return new DataError("no prepared corpus at " + dir + " (" + why + "): run ./cohort prepare --input "
        + "<corpus.jsonl[.gz]|bundled> --output " + dir);
  }

  public TokenFile train() {
    return train;
  }

  public TokenFile validation() {
    return validation;
  }

  /**
   * The tokenizer the corpus was made with: the bundled one it names, or its own copy of the tokenizer.json,
   * checked against the recorded SHA-256.
   */
  public Tokenizer tokenizer() {
    if (!index.tokenizerFingerprint().startsWith(HfTokenizer.FINGERPRINT_PREFIX)) {
      return Tokenizer.load(index.tokenizer());
    }
    Tokenizer copy = HfTokenizer.open(dir.resolve(HfTokenizer.FILE_NAME));
    if (!copy.fingerprint().equals(index.tokenizerFingerprint())) {
      throw new DataError("prepared corpus at " + dir + ": its " + HfTokenizer.FILE_NAME + " has "
          + copy.fingerprint() + " but index.json records " + index.tokenizerFingerprint() + ": prepare it again");
    }
    return copy;
  }

  public int vocabSize() {
    return index.vocabSize();
  }

  /** Everything index.json records: split sizes, source, field, seed, validation fraction. */
  public CorpusIndex index() {
    return index;
  }

  public Path dir() {
    return dir;
  }
}
