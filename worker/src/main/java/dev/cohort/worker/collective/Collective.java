package dev.cohort.worker.collective;

import dev.cohort.placement.WorkerId;
import java.util.List;

/** Collective operations over a group of workers, as NCCL offers them. */
public interface Collective {
  /**
   * Replaces {@code data} on every member of {@code group} by the elementwise sum over the group. Every member calls
   * it with the same group (same order), the same length and the same tag for the same step.
   *
   * @param tag distinguishes several all-reduces within one step (e.g. "dp", "embed")
   */
  void allReduceSum(List<WorkerId> group, float[] data, long epoch, long step, String tag);
}
