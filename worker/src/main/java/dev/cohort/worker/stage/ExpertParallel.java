package dev.cohort.worker.stage;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
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
 * meet. Under activation recomputation (train.recompute = layers or experts) the owner keeps the rows, slot weights
 * and slot table it was sent instead of its experts' activations and runs its experts again at backward; under
 * {@code layers} the sender also keeps the rows the owners returned, so the recomputed forward exchanges nothing
 * ({@link #replay}).
 */
final class ExpertParallel implements ExpertCompute {
  private final int layer;
  private final List<WorkerId> group;
  private final LocalExperts owned;
  private final boolean recomputeExperts; // train.recompute = experts: the owner keeps no expert activations
  private final Exchange exchange;
  private final Duration timeout;
  private final MicroBatchCursor cursor;
  private final Map<Integer, Pass> passes = new HashMap<>();

  /**
   * What one micro-batch's forward left for its backward: as sender, the rows and slot weights sent to each rank j (in
   * this rank's graph) and the rows j returned (leaves); as owner, what it served each rank i. Whether the forward
   * recorded: if not, the owners' outputs have no graph and what is kept lives outside any scope until the backward.
   */
  private record Pass(Sent sent, List<NDArray> returned, List<Served> served, boolean recorded) {}

  /** A sender's rows (R_j, d) and slot weights (M_j) for each rank j, cut from its tokens by the dispatch. */
  private record Sent(RankDispatch dispatch, List<NDArray> rows, List<NDArray> weights) {}

  /**
   * Rank i's tokens on their owner: the received rows (R, d) and slot weights (M) as leaves, the slot table (R, k) and
   * the rows per owned expert, and the output (R, d) with its graph through the experts, or null when the forward
   * did not record one (it is computed again, recording, at backward).
   */
  private record Served(NDArray rows, NDArray weights, NDArray table, int[] counts, NDArray output) {}

  ExpertParallel(int layer, List<WorkerId> group, LocalExperts owned, boolean recomputeExperts, Exchange exchange,
      Duration timeout, MicroBatchCursor cursor) {
    this.layer = layer;
    this.group = List.copyOf(group);
    this.owned = owned;
    this.recomputeExperts = recomputeExperts;
    this.exchange = exchange;
    this.timeout = timeout;
    this.cursor = cursor;
  }

  @Override
  public Combined combine(NDArray x, DispatchPlan plan, NDArray weights) {
    NDManager manager = x.getManager();
    boolean recording = Autograd.recording();
    Sent sent = cut(x, plan, weights);
    int expertsPerRank = plan.keptPerExpert().length / group.size();
    for (int j = 0; j < group.size(); j++) { // dispatch: my tokens for rank j's experts, once each
      send(j, "ep-x", sent.rows().get(j));
      send(j, "ep-w", sent.weights().get(j));
      send(j, "ep-t", sent.dispatch().slotTables().get(j).toType(DataType.INT32, false));
      send(j, "ep-n", counts(Arrays.copyOfRange(plan.keptPerExpert(), j * expertsPerRank, (j + 1) * expertsPerRank)));
    }
    List<Served> served = new ArrayList<>();
    for (int i = 0; i < group.size(); i++) { // serve: rank i's tokens for my experts
      served.add(recording && !recomputeExperts ? serveRank(i, manager) : serveRankWithoutGraph(i, manager));
    }
    List<NDArray> returned = new ArrayList<>();
    for (int j = 0; j < group.size(); j++) { // combine: my tokens back from every owner
      NDArray rows = HostArrays.toArray(receive(j, "ep-y"), manager); // (R_j, d)
      if (rows.getShape().get(0) > 0) rows.setRequiresGradient(true);
      returned.add(rows);
    }
    Pass pass = new Pass(sent, returned, served, recording);
    if (!recording) keptArrays(pass).forEach(NDScope::unregister);
    passes.put(cursor.microBatch, pass);
    return new Combined(sent.dispatch().sumRanks(returned), this::backward); // (N, d)
  }

  /**
   * The forward of a layer run again at backward (train.recompute = layers) with the first forward's routing: the
   * same tokens would go to the same owners and come back the same, so nothing is exchanged. The sender cuts its rows
   * and weights again, now recording, and sums the rows the owners returned the first time; each owner kept the
   * rows, weights and slot table it was sent (not its experts' activations) and runs its experts again, recording,
   * in {@link #backward}.
   */
  @Override
  public Combined replay(NDArray x, DispatchPlan plan, NDArray weights) {
    Pass first = passes.get(cursor.microBatch);
    Sent sent = cut(x, plan, weights);
    passes.put(cursor.microBatch, new Pass(sent, first.returned(), first.served(), first.recorded()));
    return new Combined(sent.dispatch().sumRanks(first.returned()), this::backward); // (N, d)
  }

  private Sent cut(NDArray x, DispatchPlan plan, NDArray weights) {
    RankDispatch dispatch = RankDispatch.of(plan, group.size());
    NDArray slotWeights = plan.slotWeights(weights).reshape(-1); // (M)
    List<NDArray> rows = new ArrayList<>();
    List<NDArray> rowWeights = new ArrayList<>();
    for (int j = 0; j < group.size(); j++) {
      rows.add(Ops.rows(x, dispatch.tokens().get(j))); // (R_j, d)
      rowWeights.add(Ops.slice(slotWeights, 0, dispatch.slotStart(j), dispatch.slotEnd(j))); // (M_j)
    }
    return new Sent(dispatch, rows, rowWeights);
  }

  private Served serveRank(int i, NDManager manager) {
    Served served = serve(HostArrays.toArray(receive(i, "ep-x"), manager),
        HostArrays.toArray(receive(i, "ep-w"), manager),
        HostArrays.toArray(receive(i, "ep-t"), manager).toType(DataType.INT64, false), counts(receive(i, "ep-n")));
    send(i, "ep-y", served.output());
    return served;
  }

  /**
   * Serves rank i without recording (train.recompute), in a scope of its own: DJL frees a tensor when its scope
   * closes, graph or no graph, so the experts' intermediates go at once and only what the backward runs them again
   * from is kept: the received rows, slot weights and slot table.
   */
  private Served serveRankWithoutGraph(int i, NDManager manager) {
    boolean recording = Autograd.recording();
    Served kept;
    try (NDScope scope = new NDScope()) {
      Autograd.record(false);
      Served served = serveRank(i, manager);
      NDScope.unregister(served.rows(), served.weights(), served.table());
      kept = new Served(served.rows(), served.weights(), served.table(), served.counts(), null);
    } finally {
      Autograd.record(recording);
    }
    List.of(kept.rows(), kept.weights(), kept.table()).forEach(NDScope::register);
    return kept;
  }

  /** rows (R, d), their slots' weights (M), slot table (R, k), rows per owned expert -> served, output (R, d). */
  private Served serve(NDArray rows, NDArray rowWeights, NDArray table, int[] counts) {
    if (rows.getShape().get(0) == 0) return new Served(rows, rowWeights, table, counts, rows);
    rows.setRequiresGradient(true);
    rowWeights.setRequiresGradient(true);
    NDArray slotInputs = Ops.rows(rows, RankDispatch.slotRows(table, Math.toIntExact(rowWeights.size()))); // (M, d)
    NDArray weighted = owned.apply(slotInputs, counts).mul(rowWeights.reshape(-1, 1)); // (M, d)
    return new Served(rows, rowWeights, table, counts, RankDispatch.sumSlots(weighted, table)); // (R, d)
  }

  /**
   * What the backward needs from the exchange when the forward recorded nothing. Such a forward runs in a scope that
   * frees its intermediates (RecomputedLayers): these leave it, and join the backward's scope in {@link #backward}.
   */
  private static List<NDArray> keptArrays(Pass pass) {
    List<NDArray> kept = new ArrayList<>(pass.returned());
    pass.served().forEach(s -> kept.addAll(List.of(s.rows(), s.weights(), s.table())));
    return kept;
  }

  /**
   * The expert part of this layer's backward for the cursor's micro-batch, once every backward from above has
   * reached the rows the owners returned.
   */
  void backward() {
    Pass pass = passes.remove(cursor.microBatch);
    if (!pass.recorded()) keptArrays(pass).forEach(NDScope::register); // freed with the backward's scope
    for (int j = 0; j < group.size(); j++) send(j, "ep-dy", gradientOf(pass.returned().get(j)));
    for (int i = 0; i < group.size(); i++) {
      Served served = pass.served().get(i);
      NDArray outputGradient = HostArrays.toArray(receive(i, "ep-dy"), served.rows().getManager());
      if (served.rows().getShape().get(0) > 0) Autograd.backward(withGraph(served), outputGradient);
      send(i, "ep-dx", gradientOf(served.rows()));
      send(i, "ep-dw", gradientOf(served.weights()));
    }
    // d/d(everything below) of sum_j <rows_j, dRows_j> + <weights_j, dWeights_j>: the share that went through the
    // owners, in one backward. Built with recording on, a graph node joined to the forward's graph.
    NDArray surrogate = null;
    Autograd.record(true);
    for (int j = 0; j < group.size(); j++) {
      NDArray rows = pass.sent().rows().get(j); // (R_j, d)
      NDArray rowGradient = HostArrays.toArray(receive(j, "ep-dx"), rows.getManager()); // (R_j, d)
      NDArray weightGradient = HostArrays.toArray(receive(j, "ep-dw"), rows.getManager()); // (M_j)
      if (rows.getShape().get(0) == 0) continue;
      NDArray term = rows.mul(rowGradient).sum().add(pass.sent().weights().get(j).mul(weightGradient).sum());
      surrogate = surrogate == null ? term : surrogate.add(term);
    }
    Autograd.record(false);
    // The rest of this stage's graph below this layer is traversed again by later passes: keep it.
    if (surrogate != null) Autograd.backward(surrogate, true);
  }

  /** The served output with its graph: the forward's, or computed again now from the kept rows, recording. */
  private NDArray withGraph(Served served) {
    if (served.output() != null) return served.output();
    Autograd.record(true);
    NDArray output = serve(served.rows(), served.weights(), served.table(), served.counts()).output();
    Autograd.record(false);
    return output;
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
