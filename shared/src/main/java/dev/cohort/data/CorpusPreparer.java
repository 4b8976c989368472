package dev.cohort.data;

import dev.cohort.config.DataConfig;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Tokenizes a JSON-lines corpus into a prepared directory: {@code train.bin}, {@code val.bin} and
 * {@code index.json} (see {@link CorpusIndex}).
 *
 * <p>Documents are split, not tokens, so no document leaks from training into validation. The split picks
 * exactly {@code round(fraction * documents)} documents (at least one when the fraction is positive and
 * there are two or more, never all of them) through a seeded {@link Permutation} of document numbers: the
 * same corpus and seed always give the same split, in O(1) memory. That needs the document count up front,
 * so the corpus is read twice: a cheap count of non-blank lines, then the tokenizing pass.
 *
 * <p>Each document is written as {@link Tokenizer#prompt} lays it out (bos when the tokenizer's template has one,
 * then the text), followed by the tokenizer's end-of-text: so between two documents there is always eos, and bos
 * too for tokenizers that start sequences with one (Llama's). Documents are tokenized in parallel on every core,
 * a batch at a time, and written in corpus order, so the output does not depend on the thread count. A Hugging
 * Face tokenizer is copied into the directory (with its tokenizer_config.json when there is one) and its SHA-256
 * recorded, so the corpus always names the exact tokenizer it was made with.
 */
public final class CorpusPreparer {
  public static final String TRAIN_FILE = "train.bin";
  public static final String VALIDATION_FILE = "val.bin";

  /** Characters of text tokenized per parallel batch: large enough to keep every core busy, small in memory. */
  private static final int BATCH_CHARS = 4 << 20;

  private CorpusPreparer() {}

  /**
   * Prepares {@code input} (a .jsonl or .jsonl.gz file, or "bundled") into {@code outDir}, replacing a
   * prepared corpus already there only once the new one is complete.
   *
   * @param field JSON field holding each document's text
   * @param tokenizer what {@link Tokenizer#load} takes: a bundled name or a tokenizer.json (or its directory)
   * @param validationFraction share of documents held out, in [0, 1)
   * @param seed seed of the document split
   * @param showProgress draw a progress bar over bytes read on stderr
   */
  public static PreparedCorpus prepare(String input, String field, String tokenizer,
      double validationFraction, long seed, Path outDir, boolean showProgress) {
    if (!(validationFraction >= 0 && validationFraction < 1)) {
      throw new DataError("validation fraction must be in [0, 1), got " + validationFraction);
    }
    Tokenizer tok = Tokenizer.load(tokenizer);
    CorpusSource source = CorpusSource.resolve(input);
    refuseToReplaceForeignDirectory(outDir);
    try (StagedDirectory staged = StagedDirectory.beside(outDir)) {
      long documents = countDocuments(source);
      DocumentSplit split = DocumentSplit.of(documents, validationFraction, seed);
      CorpusIndex index = tokenize(source, field, tok, split, staged.path(), showProgress);
      if (tok instanceof HfTokenizer hf) hf.copyInto(staged.path());
      index.write(staged.path().resolve(CorpusIndex.FILE_NAME));
      staged.publish();
    } catch (IOException e) {
      throw new DataError("cannot prepare " + source.name() + " into " + outDir + ": " + e.getMessage(), e);
    }
    return PreparedCorpus.open(outDir);
  }

  /**
   * The prepared corpus {@code data} describes: opened as it is when its index shows it was made from the
   * same corpus, field, tokenizer, validation fraction and seed; prepared (again) when it is missing,
   * unreadable or made differently, since the directory is only ever derived from the config. Call it from
   * one process only: two processes preparing the same directory at once would race to publish it.
   */
  public static PreparedCorpus openOrPrepare(DataConfig data, long seed, boolean showProgress) {
    Path dir = Path.of(data.prepared());
    if (Files.isRegularFile(dir.resolve(CorpusIndex.FILE_NAME))) {
      try {
        PreparedCorpus existing = PreparedCorpus.open(dir);
        if (madeFrom(existing.index(), data, seed)) return existing;
      } catch (DataError unusable) {
        // Incomplete or from another format version: preparing again below replaces it.
      }
    }
    return prepare(data.corpus(), data.field(), data.tokenizer(), data.validationFraction(), seed, dir,
        showProgress);
  }

  private static boolean madeFrom(CorpusIndex index, DataConfig data, long seed) {
    return index.source().equals(data.corpus()) && index.field().equals(data.field())
        && index.tokenizerFingerprint().equals(Tokenizer.load(data.tokenizer()).fingerprint())
        && index.seed() == seed
        && index.validationFraction() == data.validationFraction();
  }

  private static long countDocuments(CorpusSource source) throws IOException {
    try (InputStream in = CorpusSource.decompressed(source.openRaw(), source.name())) {
      return JsonLines.countDocuments(in);
    }
  }

  private static CorpusIndex tokenize(CorpusSource source, String field, Tokenizer tok, DocumentSplit split,
      Path dir, boolean showProgress) throws IOException {
    TokenDtype dtype = TokenDtype.forVocab(tok.vocabSize());
    try (SplitWriter writer = new SplitWriter(dir, dtype, tok, split)) {
      Documents.forEach(source, field, "prepare", showProgress, writer::write);
      writer.flush();
      if (writer.textTokens == 0) {
        throw new DataError("corpus " + source.name() + " is empty: no tokens in field '" + field + "'");
      }
      writer.close();
      return new CorpusIndex(CorpusIndex.FORMAT_VERSION, tok.name(), tok.fingerprint(), tok.vocabSize(),
          tok.endOfText(), dtype.label(), writer.train.stats(), writer.validation.stats(), source.name(), field, split.seed(),
          split.fraction());
    }
  }

  private record Tokenized(int[] tokens, long bytes) {}

  /** Sends each document, tokenized, to the split it belongs to, tokenizing a batch of documents at a time. */
  private static final class SplitWriter implements AutoCloseable {
    final TokenWriter train;
    final TokenWriter validation;
    final Tokenizer tokenizer;
    final DocumentSplit split;
    final List<String> batch = new ArrayList<>();
    long batchChars;
    long documents;
    long textTokens;

    SplitWriter(Path dir, TokenDtype dtype, Tokenizer tokenizer, DocumentSplit split) throws IOException {
      this.train = new TokenWriter(dir.resolve(TRAIN_FILE), dtype);
      this.validation = new TokenWriter(dir.resolve(VALIDATION_FILE), dtype);
      this.tokenizer = tokenizer;
      this.split = split;
    }

    void write(String text) throws IOException {
      batch.add(text);
      batchChars += text.length();
      if (batchChars >= BATCH_CHARS) flush();
    }

    /** Tokenizes the batch on every core (a parallel stream keeps the documents' order) and writes it. */
    void flush() throws IOException {
      List<Tokenized> tokenized = batch.parallelStream()
          .map(text -> new Tokenized(tokenizer.prompt(text), text.getBytes(StandardCharsets.UTF_8).length)).toList();
      for (Tokenized document : tokenized) {
        textTokens += document.tokens().length;
        TokenWriter target = split.isValidation(documents++) ? validation : train;
        target.writeDocument(document.tokens(), document.bytes(), tokenizer.endOfText());
      }
      batch.clear();
      batchChars = 0;
    }

    @Override
    public void close() throws IOException {
      try {
        train.close();
      } finally {
        validation.close();
      }
    }
  }

  /** An existing output is replaced only when it is a prepared corpus (or empty), never a stranger's data. */
  private static void refuseToReplaceForeignDirectory(Path outDir) {
    if (!Files.exists(outDir)) return;
    if (!Files.isDirectory(outDir)) throw new DataError("output " + outDir + " exists and is not a directory");
    boolean prepared = Files.exists(outDir.resolve(CorpusIndex.FILE_NAME));
    try (var entries = Files.list(outDir)) {
      if (!prepared && entries.findAny().isPresent()) {
        throw new DataError("output " + outDir + " exists and is not a prepared corpus: refusing to replace it");
      }
    } catch (IOException e) {
      throw new DataError("cannot inspect output " + outDir + ": " + e.getMessage(), e);
    }
  }
}
