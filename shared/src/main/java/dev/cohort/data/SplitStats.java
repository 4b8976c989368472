package dev.cohort.data;

/**
 * Size of one split of a prepared corpus.
 *
 * @param tokens tokens in the split, end-of-text markers included
 * @param documents documents in the split
 */
public record SplitStats(long tokens, long documents) {}
