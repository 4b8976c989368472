package dev.cohort.coordinator;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Missed per-phase deadlines by worker, over a run. A worker that misses cluster.straggler-seconds is logged; one that
 * has missed it cluster.straggler-limit times is treated as lost, so one slow machine cannot slow every step forever.
 * Immutable.
 */
record Stragglers(Map<String, Integer> misses, int limit) {
  Stragglers {
    misses = Map.copyOf(misses);
    if (limit < 1) throw new IllegalArgumentException("straggler limit must be >= 1, got " + limit);
  }

  static Stragglers none(int limit) {
    return new Stragglers(Map.of(), limit);
  }

  /** The counts after each of {@code late} missed one more deadline. */
  Stragglers missed(Set<String> late) {
    Map<String, Integer> more = new HashMap<>(misses);
    late.forEach(id -> more.merge(id, 1, Integer::sum));
    return new Stragglers(more, limit);
  }

  int missesOf(String workerId) {
    return misses.getOrDefault(workerId, 0);
  }

  /** Workers that reached the limit: to be treated as lost. */
  Set<String> overLimit() {
    Set<String> out = new TreeSet<>();
    misses.forEach((id, n) -> {
      if (n >= limit) out.add(id);
    });
    return out;
  }
}
