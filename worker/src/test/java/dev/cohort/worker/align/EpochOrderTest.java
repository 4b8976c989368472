package dev.cohort.worker.align;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class EpochOrderTest {
  @Test
  void everyEpochVisitsEachItemOnceInAnOrderFixedByTheSeed() {
    int n = 7;
    List<Integer> first = read(new EpochOrder(n, 42), 3 * n);
    assertEquals(first, read(new EpochOrder(n, 42), 3 * n), "same seed, same order");
    for (int epoch = 0; epoch < 3; epoch++) {
      Set<Integer> seen = new TreeSet<>(first.subList(epoch * n, (epoch + 1) * n));
      assertEquals(n, seen.size(), "epoch " + epoch + " is a permutation");
    }
    assertNotEquals(first.subList(0, n), first.subList(n, 2 * n), "each epoch is shuffled anew");
  }

  private static List<Integer> read(EpochOrder order, int samples) {
    List<Integer> items = new ArrayList<>();
    for (long s = 0; s < samples; s++) items.add(order.item(s));
    return items;
  }
}
