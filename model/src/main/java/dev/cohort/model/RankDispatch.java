package dev.cohort.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A dispatch plan regrouped by expert-parallel rank, so that a token crosses to a rank once however many of its
 * experts that rank owns (DeepSeek-V3's node-limited dispatch): the owner fans the row out to its experts' slots,
 * sums their weighted outputs and sends one row back. With the experts split evenly, rank j owns experts
 * [j*E/ranks, (j+1)*E/ranks), whose kept slots are one contiguous range of the plan's sorted order.
 *
 * @param tokens per rank j: (R_j) int64, the tokens with at least one kept slot on j, in token order
 * @param slotTables per rank j: (R_j, k) int64, each of those tokens' slots as offsets into j's range of the sorted
 *     order (0 .. M_j - 1), padded with M_j where the token has fewer than k slots on j
 * @param slotStarts per rank: where its range of the sorted order starts; rank j's range ends at slotStarts[j+1]
 * @param returnRows (N, ranks) int64, the row of (token, rank j) in the ranks' returned rows stacked in rank order,
 *     or the total of those rows (a zero row) where the token did not go to j
 */
public record RankDispatch(List<NDArray> tokens, List<NDArray> slotTables, long[] slotStarts, NDArray returnRows) {

  public static RankDispatch of(DispatchPlan plan, int ranks) {
    int n = plan.tokens();
    int expertsPerRank = plan.keptPerExpert().length / ranks;
    NDArray position = plan.slotPosition().reshape(n, plan.topK()); // (N, k) row in the sorted order, M if dropped
    NDManager manager = position.getManager();
    NDArray tokenIds = manager.arange(0, n, 1, DataType.INT64); // (N)
    long[] starts = new long[ranks + 1];
    for (int e = 0; e < plan.keptPerExpert().length; e++) starts[e / expertsPerRank + 1] += plan.keptPerExpert()[e];
    for (int j = 0; j < ranks; j++) starts[j + 1] += starts[j];
    List<NDArray> tokens = new ArrayList<>();
    List<NDArray> tables = new ArrayList<>();
    NDList visits = new NDList();
    for (int j = 0; j < ranks; j++) {
      NDArray onRank = position.gte(starts[j]).logicalAnd(position.lt(starts[j + 1])); // (N, k)
      NDArray visited = onRank.toType(DataType.INT64, false).sum(new int[] {1}).gt(0); // (N)
      NDArray received = tokenIds.booleanMask(visited); // (R_j)
      NDArray receivedSlots = received.reshape(-1, 1).repeat(1, plan.topK()); // (R_j, k) the token of each entry
      NDArray offsets = position.gather(receivedSlots, 0).sub(starts[j]); // (R_j, k)
      NDArray padding = offsets.zerosLike().add(starts[j + 1] - starts[j]); // (R_j, k), all M_j
      tokens.add(received);
      tables.add(NDArrays.where(onRank.gather(receivedSlots, 0), offsets, padding));
      visits.add(visited.toType(DataType.INT64, false));
    }
    NDArray visited = NDArrays.stack(visits, 1); // (N, ranks) 0 or 1
    long[] firstRow = new long[ranks + 1];
    for (int j = 0; j < ranks; j++) firstRow[j + 1] = firstRow[j] + tokens.get(j).getShape().get(0);
    NDArray rowInRank = visited.cumSum(0).sub(1); // (N, ranks): the token's row among those rank j received
    NDArray stacked = rowInRank.add(manager.create(Arrays.copyOf(firstRow, ranks)).reshape(1, ranks));
    NDArray absent = stacked.zerosLike().add(firstRow[ranks]); // (N, ranks): the zero row
    return new RankDispatch(tokens, tables, starts, NDArrays.where(visited.gt(0), stacked, absent));
  }

  /** Rank j's kept slots in the plan's sorted order: [start, end). */
  public long slotStart(int rank) {
    return slotStarts[rank];
  }

  public long slotEnd(int rank) {
    return slotStarts[rank + 1];
  }

  /**
   * On the owner, from a received slot table (R, k): the received row each of its {@code slots} slots reads, (M)
   * int64. Sorting the table's entries brings offset s to place s (the padding, M, sorts after all of them).
   */
  public static NDArray slotRows(NDArray slotTable, int slots) {
    long k = slotTable.getShape().get(1);
    NDArray entries = Ops.slice(slotTable.reshape(-1).argSort(0), 0, 0, slots); // (M) flat positions r * k + c
    // position / k as a float division, floored: exact, indices are far below 2^53.
    return entries.toType(DataType.FLOAT64, false).div(k).floor().toType(DataType.INT64, false);
  }

  /** On the owner: weighted (M, d) slot outputs, slotTable (R, k) -> (R, d), each received row's slots summed. */
  public static NDArray sumSlots(NDArray weighted, NDArray slotTable) {
    long rows = slotTable.getShape().get(0);
    return Ops.rowsOrZero(weighted, slotTable.reshape(-1)) // (R*k, d)
        .reshape(rows, slotTable.getShape().get(1), weighted.getShape().get(1)).sum(new int[] {1}); // (R, d)
  }

  /** On the sender: the rows every rank returned, (R_j, d) in rank order -> (N, d), each token's rows summed. */
  public NDArray sumRanks(List<NDArray> returned) {
    NDList nonEmpty = new NDList();
    for (NDArray rows : returned) if (rows.getShape().get(0) > 0) nonEmpty.add(rows);
    NDArray stacked = nonEmpty.isEmpty() ? returned.get(0) // every slot dropped: only the zero row is read
        : nonEmpty.size() == 1 ? nonEmpty.singletonOrThrow() : NDArrays.concat(nonEmpty, 0); // (sum R, d)
    long n = returnRows.getShape().get(0);
    long d = stacked.getShape().get(1);
    return Ops.rowsOrZero(stacked, returnRows.reshape(-1)).reshape(n, returnRows.getShape().get(1), d)
        .sum(new int[] {1}); // (N, d)
  }
}
