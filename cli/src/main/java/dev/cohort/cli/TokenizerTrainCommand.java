package dev.cohort.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cohort.data.bpe.BpeTrainer;
import dev.cohort.data.bpe.BpeVocabulary;
import dev.cohort.data.bpe.ByteLevelTokenizerJson;
import dev.cohort.data.bpe.WordCounts;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code cohort tokenizer train}: learns a byte-level BPE from a JSON-lines corpus and writes it for Hugging Face. */
@Command(name = "train", mixinStandardHelpOptions = true,
    description = {
      "Learn a byte-level BPE (GPT-2's pre-tokenization, the 256 bytes first, merges by pair frequency, ties to the "
          + "smaller ids) and write tokenizer.json, vocab.json, merges.txt and tokenizer_config.json.",
      "Use it with: ./cohort prepare --tokenizer DIR, or --set data.tokenizer=DIR. Prints a one-line JSON summary."
    })
public final class TokenizerTrainCommand implements Callable<Integer> {
  private static final double NANOS_PER_SECOND = 1e9;

  @Spec CommandSpec spec;

  @Option(names = "--input", required = true, paramLabel = "FILE.jsonl[.gz]|bundled",
      description = "Corpus, one JSON object a line (gzip allowed), or 'bundled' for the Brown corpus.")
  String input;

  @Option(names = "--field", defaultValue = "text", description = "JSON field holding the text (default: ${DEFAULT-VALUE}).")
  String field;

  @Option(names = "--vocab", required = true, paramLabel = "N",
      description = "Vocabulary size: 256 bytes, the merges and the special tokens.")
  int vocab;

  @Option(names = "--special", split = ",", paramLabel = "TOKEN",
      defaultValue = "<|endoftext|>,[INST],[/INST],<<SYS>>,<</SYS>>",
      description = "Special tokens, the first being end-of-text; default: end-of-text and the markers of the default "
          + "chat template (recipe.template) (${DEFAULT-VALUE}).")
  List<String> specials;

  @Option(names = "--output", required = true, paramLabel = "DIR", description = "Directory to write the files into.")
  Path output;

  @Option(names = "--no-progress", description = "Do not draw progress bars on stderr.")
  boolean noProgress;

  @Override
  public Integer call() throws Exception {
    long start = System.nanoTime();
    WordCounts words = WordCounts.of(input, field, !noProgress);
    double counted = (System.nanoTime() - start) / NANOS_PER_SECOND;
    BpeVocabulary vocabulary = BpeTrainer.train(words.counts(), vocab, specials, !noProgress);
    ByteLevelTokenizerJson.write(vocabulary, specials.get(0), output);
    double seconds = (System.nanoTime() - start) / NANOS_PER_SECOND;
    Map<String, Object> summary = new LinkedHashMap<>();
    summary.put("output", output.toString());
    summary.put("vocab", vocabulary.size());
    summary.put("merges", vocabulary.merges().size());
    summary.put("distinctWords", words.counts().size());
    summary.put("countSeconds", Math.round(counted * 100) / 100.0);
    summary.put("seconds", Math.round(seconds * 100) / 100.0);
    spec.commandLine().getOut().println(new ObjectMapper().writeValueAsString(summary));
    spec.commandLine().getOut().flush();
    return 0;
  }
}
