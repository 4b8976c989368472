package dev.cohort.data;

import java.util.ArrayList;
import java.util.List;

/**
 * Which source each training sample of a mixture comes from, as Megatron's blended datasets decide it: sample g goes
 * to the source furthest behind its share, the one maximising weight * (g + 1) - samples it already has (the first
 * on a tie), and is that source's next sample. So after any n samples every source has its share of n to within one
 * sample, and a source's samples are numbered 0, 1, 2, ... in order (its own {@link WindowSampler} then visits every
 * window once per epoch).
 *
 * <p>A pure function of the weights and g, computed a block at a time: the counts at each block start are kept (a few
 * longs per 4,096 samples), so any sample is found after simulating at most one block, in any order of queries.
 */
final class BlendSchedule {
  private static final int BLOCK = 4096;

  /** Source {@code source}'s sample number {@code index}. */
  record Draw(int source, long index) {}

  private final double[] weights;
  /** Samples each source has before block b, for every block computed so far. */
  private final List<long[]> countsAtBlock = new ArrayList<>();
  private long cachedBlock = -1;
  private final int[] cachedSource = new int[BLOCK];
  private final long[] cachedIndex = new long[BLOCK];

  /** @param weights each source's relative share, all positive */
  BlendSchedule(double[] weights) {
    double total = 0;
    for (double w : weights) total += w;
    this.weights = new double[weights.length];
    for (int d = 0; d < weights.length; d++) this.weights[d] = weights[d] / total;
    countsAtBlock.add(new long[weights.length]);
  }

  synchronized Draw draw(long sample) {
    if (sample < 0) throw new IllegalArgumentException("sample index must be >= 0, got " + sample);
    long block = sample / BLOCK;
    if (block != cachedBlock) {
      while (countsAtBlock.size() <= block) {
        long[] counts = countsAtBlock.get(countsAtBlock.size() - 1).clone();
        simulate(countsAtBlock.size() - 1, counts, false);
        countsAtBlock.add(counts);
      }
      simulate(block, countsAtBlock.get(Math.toIntExact(block)).clone(), true);
      cachedBlock = block;
    }
    int i = (int) (sample % BLOCK);
    return new Draw(cachedSource[i], cachedIndex[i]);
  }

  /** Assigns the samples of {@code block}, advancing {@code counts}; records them in the cache if asked. */
  private void simulate(long block, long[] counts, boolean record) {
    long first = block * BLOCK;
    for (int i = 0; i < BLOCK; i++) {
      long next = first + i + 1;
      int best = 0;
      double bestLag = Double.NEGATIVE_INFINITY;
      for (int d = 0; d < weights.length; d++) {
        double lag = weights[d] * next - counts[d];
        if (lag > bestLag) {
          bestLag = lag;
          best = d;
        }
      }
      if (record) {
        cachedSource[i] = best;
        cachedIndex[i] = counts[best];
      }
      counts[best]++;
    }
  }
}
