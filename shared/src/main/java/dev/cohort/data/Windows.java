package dev.cohort.data;

/** Training windows by global sample index: a pure function, so every process reads the same window for a sample. */
public interface Windows {
  /** The seqLen + 1 tokens of sample {@code globalSampleIndex}: inputs [0, seqLen), targets [1, seqLen]. */
  int[] window(long globalSampleIndex);
}
