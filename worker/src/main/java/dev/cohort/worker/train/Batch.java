package dev.cohort.worker.train;

import ai.djl.ndarray.NDArray;

/** One micro-batch: tokens (B, T) int64 and the next token at every position, targets (B, T) int64. */
public record Batch(NDArray tokens, NDArray targets) {}
