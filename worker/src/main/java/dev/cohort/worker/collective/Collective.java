package dev.cohort.worker.collective;

import dev.cohort.placement.WorkerId;
import java.util.List;

/**
 * Collective operations over a group of workers, as NCCL offers them. Every member calls an operation with the same
 * group (same order), the same length, the same bounds and the same tag for the same step.
 *
 * <p>{@code bounds} cut the data into one contiguous segment per member: member r's is [bounds[r], bounds[r + 1]),
 * with bounds[0] = 0 and bounds[n] = data.length; segments may be empty.
 */
public interface Collective {
  /**
   * Replaces {@code data} on every member of {@code group} by the elementwise sum over the group.
   *
   * @param tag distinguishes several collectives within one step (e.g. "dp", "embed")
   */
  void allReduceSum(List<WorkerId> group, float[] data, long epoch, long step, String tag);

  /**
   * Leaves in each member's own segment of {@code data} the elementwise sum of that segment over the group; the
   * rest of its {@code data} is scratch afterwards. Half an all-reduce: what each member sends is its data less
   * one segment.
   */
  void reduceScatterSum(List<WorkerId> group, float[] data, int[] bounds, long epoch, long step, String tag);

  /** Copies each member's own segment of {@code data} into the same segment on every other member. */
  void allGather(List<WorkerId> group, float[] data, int[] bounds, long epoch, long step, String tag);
}
