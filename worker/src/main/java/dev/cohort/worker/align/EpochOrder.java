package dev.cohort.worker.align;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Which item global sample i reads: every epoch visits all n items once, in an order shuffled by (seed, epoch), so
 * step s reads the same items in any run with the same seed (what resume relies on).
 */
final class EpochOrder {
  private final int n;
  private final long seed;
  private long epoch = -1;
  private int[] order;

  EpochOrder(int n, long seed) {
    if (n <= 0) throw new IllegalArgumentException("nothing to order");
    this.n = n;
    this.seed = seed;
  }

  /** Samples are asked for in rising order, so only the current epoch's order is kept. */
  int item(long sample) {
    long wanted = sample / n;
    if (wanted != epoch) {
      order = shuffled(wanted);
      epoch = wanted;
    }
    return order[(int) (sample % n)];
  }

  private int[] shuffled(long epoch) {
    List<Integer> items = new ArrayList<>();
    for (int i = 0; i < n; i++) items.add(i);
    Collections.shuffle(items, new Random(seed * 1_000_003L + epoch));
    return items.stream().mapToInt(Integer::intValue).toArray();
  }
}
