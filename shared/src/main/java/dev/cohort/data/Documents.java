package dev.cohort.data;

import java.io.IOException;
import java.io.InputStream;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;

/** The documents of a JSON-lines corpus (a file, gzipped or not, or "bundled"), read once, in order. */
public final class Documents {
  private static final int BYTES_PER_MIB = 1 << 20;

  /** A consumer of documents that may fail with an I/O error. */
  public interface Sink {
    void accept(String text) throws IOException;
  }

  private Documents() {}

  /**
   * Hands the text of {@code field} of each non-blank line of {@code input} to {@code sink}.
   *
   * @param task what the progress bar is labelled, before the corpus name
   * @param showProgress draw a progress bar over the bytes read on stderr
   */
  public static void forEach(String input, String field, String task, boolean showProgress, Sink sink)
      throws IOException {
    forEach(CorpusSource.resolve(input), field, task, showProgress, sink);
  }

  static void forEach(CorpusSource source, String field, String task, boolean showProgress, Sink sink)
      throws IOException {
    try (InputStream raw = progressOver(source, task, showProgress);
        InputStream in = CorpusSource.decompressed(raw, source.name())) {
      JsonLines.forEachText(in, source.name(), field, sink);
    }
  }

  private static InputStream progressOver(CorpusSource source, String task, boolean showProgress)
      throws IOException {
    InputStream raw = source.openRaw();
    if (!showProgress) return raw;
    ProgressBarBuilder bar = new ProgressBarBuilder()
        .setTaskName(task + " " + source.name())
        .setUnit("MiB", BYTES_PER_MIB)
        .setInitialMax(source.sizeBytes())
        .showSpeed();
    return ProgressBar.wrap(raw, bar);
  }
}
