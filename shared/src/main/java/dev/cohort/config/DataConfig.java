package dev.cohort.config;

/**
 * Where training text comes from and how it becomes token windows.
 *
 * @param corpus a JSON-lines file (optionally .gz), or "bundled" for the Brown corpus shipped in the jar
 * @param prepared directory of the tokenized corpus; prepared on first use when it does not exist yet
 * @param field JSON field holding the text
 * @param tokenizer "gpt2" (r50k BPE), "p50k", "cl100k" or "o200k"
 * @param validationFraction share of documents held out for validation
 * @param seqLen tokens per training window
 */
public record DataConfig(
    String corpus,
    String prepared,
    String field,
    String tokenizer,
    double validationFraction,
    int seqLen) {

  void validate(String path) {
    Check.that(!corpus.isBlank(), path + ".corpus", "must name a JSON-lines file or 'bundled'");
    Check.that(!prepared.isBlank(), path + ".prepared", "must name a directory");
    Check.that(!field.isBlank(), path + ".field", "must name a JSON field");
    Check.fraction(path + ".validation-fraction", validationFraction);
    Check.positive(path + ".seq-len", seqLen);
  }
}
