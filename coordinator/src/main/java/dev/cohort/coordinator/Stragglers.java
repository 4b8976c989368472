package dev.cohort.coordinator;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Missed per-phase deadlines by worker. A worker that misses cluster.straggler-seconds is logged; one that has missed
 * it cluster.straggler-limit times, in steps that followed one another, is treated as lost, so one slow machine cannot
 * slow every step forever. A step a worker finishes on time clears its count: over a run of days, rare slow steps
 * (a page-cache flush, a neighbour's burst) must not add up to dropping a healthy worker. Immutable.
 *
 * @param misses per worker, its misses since its last step without one
 * @param lateThisStep workers that missed a deadline in the current step
 */
record Stragglers(Map<String, Integer> misses, Set<String> lateThisStep, int limit) {
  Stragglers {
    misses = Map.copyOf(misses);
    lateThisStep = Set.copyOf(lateThisStep);
    if (limit < 1) throw new IllegalArgumentException("straggler limit must be >= 1, got " + limit);
  }

  static Stragglers none(int limit) {
    return new Stragglers(Map.of(), Set.of(), limit);
  }

  /** The counts after each of {@code late} missed one more deadline. */
  Stragglers missed(Set<String> late) {
    Map<String, Integer> more = new HashMap<>(misses);
    late.forEach(id -> more.merge(id, 1, Integer::sum));
    Set<String> lateNow = new HashSet<>(lateThisStep);
    lateNow.addAll(late);
    return new Stragglers(more, lateNow, limit);
  }

  /** A step finished: workers that met every deadline of it start again from zero. */
  Stragglers stepFinished() {
    Map<String, Integer> kept = new HashMap<>(misses);
    kept.keySet().retainAll(lateThisStep);
    return new Stragglers(kept, Set.of(), limit);
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
