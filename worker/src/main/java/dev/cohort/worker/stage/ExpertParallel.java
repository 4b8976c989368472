package dev.cohort.worker.stage;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.cohort.model.Autograd;
import dev.cohort.model.DispatchPlan;
import dev.cohort.model.ExpertCompute;
import dev.cohort.model.HostArrays;
import dev.cohort.model.LocalExperts;
import dev.cohort.model.Ops;
import dev.cohort.model.RankDispatch;
import dev.cohort.placement.WorkerId;
import dev.cohort.tensor.DType;
import dev.cohort.wire.TensorPayload;
import dev.cohort.worker.collective.Exchange;
import dev.cohort.worker.collective.TensorKey;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One MoE layer's routed experts spread over an expert-parallel group (GShard / DeepSpeed-MoE): rank j of the group
 * owns experts [j*E/ep, (j+1)*E/ep). Forward (all-to-all): each rank sends every owner its tokens with a kept slot on
 * the owner's experts, each token once however many of them it chose there (DeepSeek-V3's node-limited dispatch),
 * with those slots' combine weights and where each slot sits ({@link RankDispatch}); the owner fans the rows out to
 * its experts, sums each token's weighted outputs and returns one row per token, which the sender adds up over the
 * ranks. Backward mirrors it: the returned rows' gradients go to the owners, which backpropagate through their
 * experts and the weighting and return the gradients of the rows and the weights, from which the sender continues
 * its own backward. Every rank of the group runs the same schedule, so the exchanges of one layer and micro-batch
 * meet.
 */
final class ExpertParallel implements ExpertCompute {
  private final int layer;
  private final List<WorkerId> group;
  private final LocalExperts owned;
  private final Exchange exchange;
  private final Duration timeout;
  private final MicroBatchCursor cursor;
  private final Map<Integer, Pass> passes = new HashMap<>();

  /**
   * What one micro-batch's forward left for its backward, per rank of the group: as sender, the rows and slot weights
   * sent to rank j (in this rank's graph) and the rows j returned (leaves); as owner, the rows and weights received
   * from rank i (leaves) and the rows returned to it (their graph through the experts).
   */
  private record Pass(List<NDArray> sentRows, List<NDArray> sentWeights, List<NDArray> returned,
      List<NDArray> ownerRows, List<NDArray> ownerWeights, List<NDArray> ownerOutputs) {}

  ExpertParallel(int layer, List<WorkerId> group, LocalExperts owned, Exchange exchange, Duration timeout,
      MicroBatchCursor cursor) {
    this.layer = layer;
    this.group = List.copyOf(group);
    this.owned = owned;
    this.exchange = exchange;
    this.timeout = timeout;
    this.cursor = cursor;
  }

  @Override
  public NDArray combine(NDArray x, DispatchPlan plan, NDArray weights) {
    NDManager manager = x.getManager();
    RankDispatch dispatch = RankDispatch.of(plan, group.size());
    int expertsPerRank = plan.keptPerExpert().length / group.size();
    NDArray slotWeights = plan.slotWeights(weights).reshape(-1); // (M)
    List<NDArray> sentRows = new ArrayList<>();
    List<NDArray> sentWeights = new ArrayList<>();
    for (int j = 0; j < group.size(); j++) { // dispatch: my tokens for rank j's experts, once each
      NDArray rows = Ops.rows(x, dispatch.tokens().get(j)); // (R_j, d)
      NDArray rowWeights = Ops.slice(slotWeights, 0, dispatch.slotStart(j), dispatch.slotEnd(j)); // (M_j)
      send(j, "ep-x", rows);
      send(j, "ep-w", rowWeights);
      send(j, "ep-t", dispatch.slotTables().get(j).toType(DataType.INT32, false));
      send(j, "ep-n", counts(Arrays.copyOfRange(plan.keptPerExpert(), j * expertsPerRank, (j + 1) * expertsPerRank)));
      sentRows.add(rows);
      sentWeights.add(rowWeights);
    }
    List<NDArray> ownerRows = new ArrayList<>();
    List<NDArray> ownerWeights = new ArrayList<>();
    List<NDArray> ownerOutputs = new ArrayList<>();
    for (int i = 0; i < group.size(); i++) { // serve: rank i's tokens for my experts
      NDArray rows = HostArrays.toArray(receive(i, "ep-x"), manager); // (R, d)
      NDArray rowWeights = HostArrays.toArray(receive(i, "ep-w"), manager); // (M_i)
      NDArray table = HostArrays.toArray(receive(i, "ep-t"), manager).toType(DataType.INT64, false); // (R, k)
      int[] counts = counts(receive(i, "ep-n"));
      NDArray output = rows;
      if (rows.getShape().get(0) > 0) {
        rows.setRequiresGradient(true);
        rowWeights.setRequiresGradient(true);
        output = serve(rows, rowWeights, table, counts); // (R, d)
      }
      ownerRows.add(rows);
      ownerWeights.add(rowWeights);
      ownerOutputs.add(output);
      send(i, "ep-y", output);
    }
    List<NDArray> returned = new ArrayList<>();
    for (int j = 0; j < group.size(); j++) { // combine: my tokens back from every owner
      NDArray rows = HostArrays.toArray(receive(j, "ep-y"), manager); // (R_j, d)
      if (rows.getShape().get(0) > 0) rows.setRequiresGradient(true);
      returned.add(rows);
    }
    passes.put(cursor.microBatch, new Pass(sentRows, sentWeights, returned, ownerRows, ownerWeights, ownerOutputs));
    return dispatch.sumRanks(returned); // (N, d)
  }

  /** rows (R, d), their slots' weights (M), slot table (R, k), rows per owned expert -> (R, d) weighted sums. */
  private NDArray serve(NDArray rows, NDArray rowWeights, NDArray table, int[] counts) {
    NDArray slotInputs = Ops.rows(rows, RankDispatch.slotRows(table, Math.toIntExact(rowWeights.size()))); // (M, d)
    NDArray weighted = owned.apply(slotInputs, counts).mul(rowWeights.reshape(-1, 1)); // (M, d)
    return RankDispatch.sumSlots(weighted, table); // (R, d)
  }

  /**
   * The expert part of this layer's backward for the cursor's micro-batch, once every backward from above has
   * reached the rows the owners returned.
   */
  void backward() {
    Pass pass = passes.remove(cursor.microBatch);
    for (int j = 0; j < group.size(); j++) send(j, "ep-dy", gradientOf(pass.returned().get(j)));
    for (int i = 0; i < group.size(); i++) {
      NDArray rows = pass.ownerRows().get(i);
      NDArray outputGradient = HostArrays.toArray(receive(i, "ep-dy"), rows.getManager());
      if (rows.getShape().get(0) > 0) Autograd.backward(pass.ownerOutputs().get(i), outputGradient);
      send(i, "ep-dx", gradientOf(rows));
      send(i, "ep-dw", gradientOf(pass.ownerWeights().get(i)));
    }
    // d/d(everything below) of sum_j <rows_j, dRows_j> + <weights_j, dWeights_j>: the share that went through the
    // owners, in one backward. Built with recording on, a graph node joined to the forward's graph.
    NDArray surrogate = null;
    Autograd.record(true);
    for (int j = 0; j < group.size(); j++) {
      NDArray rows = pass.sentRows().get(j); // (R_j, d)
      NDArray rowGradient = HostArrays.toArray(receive(j, "ep-dx"), rows.getManager()); // (R_j, d)
      NDArray weightGradient = HostArrays.toArray(receive(j, "ep-dw"), rows.getManager()); // (M_j)
      if (rows.getShape().get(0) == 0) continue;
      NDArray term = rows.mul(rowGradient).sum().add(pass.sentWeights().get(j).mul(weightGradient).sum());
      surrogate = surrogate == null ? term : surrogate.add(term);
    }
    Autograd.record(false);
    // The rest of this stage's graph below this layer is traversed again by later passes: keep it.
    if (surrogate != null) Autograd.backward(surrogate, true);
  }

  /** A leaf's gradient (a zero-size leaf has none: itself stands for it). */
  private static NDArray gradientOf(NDArray leaf) {
    return leaf.getShape().get(0) == 0 ? leaf : leaf.getGradient();
  }

  private void send(int to, String kind, NDArray array) {
    send(to, kind, HostArrays.toPayload(array));
  }

  private void send(int to, String kind, TensorPayload payload) {
    long start = System.nanoTime();
    exchange.send(group.get(to), key(kind, exchange.self()), payload);
    cursor.exchangeNanos += System.nanoTime() - start;
  }

  private TensorPayload receive(int from, String kind) {
    long start = System.nanoTime();
    try {
      return exchange.receive(key(kind, group.get(from)), timeout);
    } finally {
      cursor.exchangeNanos += System.nanoTime() - start;
    }
  }

  private TensorKey key(String kind, WorkerId from) {
    return new TensorKey(cursor.epoch, cursor.step, kind + "/" + layer, cursor.microBatch, from.value());
  }

  private static TensorPayload counts(int[] counts) {
    ByteBuffer bytes = ByteBuffer.allocate(counts.length * Integer.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    bytes.asIntBuffer().put(counts);
    return new TensorPayload(DType.I32, new long[] {counts.length}, bytes.array());
  }

  private static int[] counts(TensorPayload payload) {
    int[] counts = new int[Math.toIntExact(payload.shape()[0])];
    ByteBuffer.wrap(payload.data()).order(ByteOrder.LITTLE_ENDIAN).asIntBuffer().get(counts);
    return counts;
  }

}
