package dev.cohort.config;

/**
 * One corpus of a data mixture (data.sources): a prepared directory and its share of the training samples.
 *
 * @param prepared a directory made by ./cohort prepare; every source must use the same tokenizer
 * @param weight its share of the samples, relative to the other sources' weights (> 0)
 */
public record DataSourceConfig(String prepared, double weight) {
  void validate(String path) {
    Check.that(!prepared.isBlank(), path + ".prepared", "must name a prepared directory");
    Check.that(weight > 0 && Double.isFinite(weight), path + ".weight", "must be a positive number, got " + weight);
  }
}
