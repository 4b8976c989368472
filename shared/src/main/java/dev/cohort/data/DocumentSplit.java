package dev.cohort.data;

/**
 * Which documents go to validation: those whose seeded permutation position falls below the validation
 * count. Exact in size and reproducible for a seed, without holding the corpus in memory.
 */
final class DocumentSplit {
  /** Keeps the split's permutation unrelated to the window sampler's, which is keyed by (seed, epoch). */
  private static final long SPLIT_SALT = 0x5B11_7D0C_5EEDL;

  private final long documents;
  private final long validationDocuments;
  private final long seed;
  private final double fraction;
  private final Permutation permutation;

  private DocumentSplit(long documents, long validationDocuments, long seed, double fraction) {
    this.documents = documents;
    this.validationDocuments = validationDocuments;
    this.seed = seed;
    this.fraction = fraction;
    this.permutation = validationDocuments > 0 ? new Permutation(Permutation.key(seed, SPLIT_SALT), documents) : null;
  }

  /**
   * Holds out {@code round(fraction * documents)} documents, but at least one when the fraction is positive
   * and at most all but one, so both splits are usable whenever there are two documents or more.
   */
  static DocumentSplit of(long documents, double fraction, long seed) {
    long held = 0;
    if (fraction > 0 && documents >= 2) held = Math.max(1, Math.min(documents - 1, Math.round(fraction * documents)));
    return new DocumentSplit(documents, held, seed, fraction);
  }

  /** Whether document number {@code document} (0-based, in corpus order) is held out. */
  boolean isValidation(long document) {
    if (document >= documents) {
      throw new DataError("corpus changed while being read: more than the " + documents + " documents counted");
    }
    return permutation != null && permutation.apply(document) < validationDocuments;
  }

  long seed() {
    return seed;
  }

  double fraction() {
    return fraction;
  }
}
