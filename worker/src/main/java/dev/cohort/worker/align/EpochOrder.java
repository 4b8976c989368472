package dev.cohort.worker.align;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Which item global sample i reads: every epoch visits all n items once, in an order shuffled by (seed, epoch), so
 * step s reads the same items in any run with the same seed (what resume relies on).
 */
final class EpochOrder {
  private final int n;
  private final long seed;
  private final Map<Long, int[]> orders = new HashMap<>();

  EpochOrder(int n, long seed) {
    if (n <= 0) throw new IllegalArgumentException("nothing to order");
    this.n = n;
    this.seed = seed;
  }

  int item(long sample) {
    long epoch = sample / n;
    return orders.computeIfAbsent(epoch, this::shuffled)[(int) (sample % n)];
  }

  private int[] shuffled(long epoch) {
    List<Integer> items = new ArrayList<>();
    for (int i = 0; i < n; i++) items.add(i);
    Collections.shuffle(items, new Random(seed * 1_000_003L + epoch));
    return items.stream().mapToInt(Integer::intValue).toArray();
  }
}
