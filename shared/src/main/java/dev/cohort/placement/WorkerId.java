package dev.cohort.placement;

/**
 * A worker's stable identity, e.g. "worker-3@127.0.0.1:25521". Ordered by its text so that planning the same set
 * of workers always yields the same placement, whatever order they registered in.
 */
public record WorkerId(String value) implements Comparable<WorkerId> {
  public WorkerId {
    if (value == null || value.isBlank()) throw new PlacementError("a worker id must not be blank");
  }

  @Override
  public int compareTo(WorkerId other) {
    return value.compareTo(other.value);
  }

  @Override
  public String toString() {
    return value;
  }
}
