package dev.cohort.config;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Where training text comes from and how it becomes token windows.
 *
 * @param corpus a JSON-lines file (optionally .gz), or "bundled" for the Brown corpus shipped in the jar
 * @param prepared directory of the tokenized corpus; prepared on first use when it does not exist yet
 * @param field JSON field holding the text
 * @param tokenizer a bundled tokenizer: "brown-8k" (byte-level BPE learned from the Brown corpus), "gpt2" (r50k BPE),
 *     "p50k", "cl100k" or "o200k"; or a Hugging Face tokenizer.json, or a directory holding one (Llama's, Qwen's, one
 *     from ./cohort tokenizer train). The prepared corpus keeps a copy and its SHA-256; the model's vocab-size must
 *     cover it
 * @param validationFraction share of documents held out for validation
 * @param seqLen tokens per training window
 * @param sources a data mixture, as Megatron's blended datasets: training samples drawn from these prepared
 *     directories in proportion to their weights, each evaluated on its own validation split; empty (the default):
 *     train on corpus / prepared alone
 */
public record DataConfig(
    String corpus,
    String prepared,
    String field,
    String tokenizer,
    double validationFraction,
    int seqLen,
    List<DataSourceConfig> sources) {

  public DataConfig {
    sources = List.copyOf(sources);
  }

  /** A single corpus, no mixture. */
  public DataConfig(String corpus, String prepared, String field, String tokenizer, double validationFraction,
      int seqLen) {
    this(corpus, prepared, field, tokenizer, validationFraction, seqLen, List.of());
  }

  void validate(String path) {
    Check.that(!corpus.isBlank(), path + ".corpus", "must name a JSON-lines file or 'bundled'");
    Check.that(!prepared.isBlank(), path + ".prepared", "must name a directory");
    Check.that(!field.isBlank(), path + ".field", "must name a JSON field");
    Check.fraction(path + ".validation-fraction", validationFraction);
    Check.positive(path + ".seq-len", seqLen);
    Set<String> names = new HashSet<>();
    for (int i = 0; i < sources.size(); i++) {
      DataSourceConfig source = sources.get(i);
      source.validate(path + ".sources." + i);
      Check.that(names.add(Path.of(source.prepared()).getFileName().toString()), path + ".sources." + i + ".prepared",
          "names a directory called like another source's (" + source.prepared() + "): metrics name sources by it");
    }
  }
}
