package dev.cohort.placement;

/** A parallel layout that cannot be planned, naming the constraint it breaks. */
public final class PlacementError extends RuntimeException {
  public PlacementError(String message) {
    super(message);
  }

  static void require(boolean ok, String message) {
    if (!ok) throw new PlacementError(message);
  }
}
