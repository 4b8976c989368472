package dev.cohort.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cohort.data.CorpusIndex;
import dev.cohort.data.CorpusPreparer;
import dev.cohort.data.PreparedCorpus;
import dev.cohort.data.Tokenizer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code cohort prepare}: tokenizes a JSON-lines corpus into train/validation token files. */
@Command(
    name = "prepare",
    mixinStandardHelpOptions = true,
    description = {
      "Tokenize a JSON-lines corpus into a prepared directory (train.bin, val.bin, index.json).",
      "Documents are split between training and validation, reproducibly for a seed.",
      "On success prints a one-line JSON summary."
    })
public final class PrepareCommand implements Callable<Integer> {
  private static final double NANOS_PER_SECOND = 1e9;
  private static final ObjectMapper JSON = new ObjectMapper();

  @Spec CommandSpec spec;

  @Option(names = "--input", required = true, paramLabel = "FILE.jsonl[.gz]|bundled",
      description = "Corpus, one JSON object a line (gzip allowed), or 'bundled' for the Brown corpus.")
  String input;

  @Option(names = "--output", required = true, paramLabel = "DIR",
      description = "Prepared directory to create; a previous preparation there is replaced on success.")
  Path output;

  @Option(names = "--field", defaultValue = "text",
      description = "JSON field holding the text (default: ${DEFAULT-VALUE}).")
  String field;

  @Option(names = "--tokenizer", defaultValue = Tokenizer.DEFAULT,
      paramLabel = "NAME|tokenizer.json|DIR",
      description = "brown-8k (the default run's), gpt2 (r50k_base), p50k, cl100k, o200k, or a Hugging Face "
          + "tokenizer.json (or a directory holding one), copied into the output (default: ${DEFAULT-VALUE}).")
  String tokenizer;

  @Option(names = "--validation-fraction", defaultValue = "0.05",
      description = "Share of documents held out for validation, in [0, 1) (default: ${DEFAULT-VALUE}).")
  double validationFraction;

  @Option(names = "--seed", defaultValue = "1337",
      description = "Seed of the document split (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--no-progress", description = "Do not draw a progress bar on stderr.")
  boolean noProgress;

  @Override
  public Integer call() throws Exception {
    long start = System.nanoTime();
    PreparedCorpus corpus = CorpusPreparer.prepare(
        input, field, tokenizer, validationFraction, seed, output, !noProgress);
    double seconds = (System.nanoTime() - start) / NANOS_PER_SECOND;
    spec.commandLine().getOut().println(JSON.writeValueAsString(summary(corpus, seconds)));
    spec.commandLine().getOut().flush();
    return 0;
  }

  private Map<String, Object> summary(PreparedCorpus corpus, double seconds) {
    CorpusIndex index = corpus.index();
    Map<String, Object> summary = new LinkedHashMap<>();
    summary.put("output", output.toString());
    summary.put("source", index.source());
    summary.put("tokenizer", index.tokenizer());
    summary.put("tokenizerFingerprint", index.tokenizerFingerprint());
    summary.put("vocabSize", index.vocabSize());
    summary.put("dtype", index.dtype());
    summary.put("trainTokens", index.train().tokens());
    summary.put("trainDocuments", index.train().documents());
    summary.put("validationTokens", index.validation().tokens());
    summary.put("validationDocuments", index.validation().documents());
    summary.put("seconds", Math.round(seconds * 100) / 100.0);
    return summary;
  }
}
