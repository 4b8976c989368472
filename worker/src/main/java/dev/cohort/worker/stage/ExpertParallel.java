package dev.cohort.worker.stage;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import dev.cohort.model.Autograd;
import dev.cohort.model.ExpertCompute;
import dev.cohort.model.HostArrays;
import dev.cohort.model.LocalExperts;
import dev.cohort.model.Ops;
import dev.cohort.placement.WorkerId;
import dev.cohort.tensor.DType;
import dev.cohort.wire.TensorPayload;
import dev.cohort.worker.collective.Exchange;
import dev.cohort.worker.collective.TensorKey;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One MoE layer's routed experts spread over an expert-parallel group (GShard / DeepSpeed-MoE): rank j of the group
 * owns experts [j*E/ep, (j+1)*E/ep). Forward: each rank sends every owner the block of its tokens routed to the
 * owner's experts (all-to-all), runs its own experts on the blocks it receives, and returns the outputs. Backward
 * mirrors it: output gradients go to the owners, which backpropagate through their experts and return the input
 * gradients, from which the sender continues its own backward. Every rank of the group runs the same schedule, so
 * the exchanges of one layer and micro-batch meet.
 */
final class ExpertParallel implements ExpertCompute {
  private final int layer;
  private final List<WorkerId> group;
  private final int rank;
  private final int expertsPerRank;
  private final LocalExperts owned;
  private final Exchange exchange;
  private final Duration timeout;
  private final MicroBatchCursor cursor;
  private final Map<Integer, Pass> passes = new HashMap<>();

  /** What one micro-batch's forward left for its backward, on this rank as sender and as owner. */
  private record Pass(NDArray sorted, List<NDArray> outputsReceived, List<NDArray> ownerInputs,
      List<NDArray> ownerOutputs) {}

  ExpertParallel(int layer, List<WorkerId> group, int rank, int expertsPerRank, LocalExperts owned, Exchange exchange,
      Duration timeout, MicroBatchCursor cursor) {
    this.layer = layer;
    this.group = List.copyOf(group);
    this.rank = rank;
    this.expertsPerRank = expertsPerRank;
    this.owned = owned;
    this.exchange = exchange;
    this.timeout = timeout;
    this.cursor = cursor;
  }

  @Override
  public NDArray apply(NDArray sorted, int[] blockSizes) {
    NDManager manager = sorted.getManager();
    long offset = 0;
    for (int j = 0; j < group.size(); j++) { // dispatch: my tokens for rank j's experts
      int[] counts = java.util.Arrays.copyOfRange(blockSizes, j * expertsPerRank, (j + 1) * expertsPerRank);
      long rows = java.util.Arrays.stream(counts).sum();
      send(j, "ep-x", HostArrays.toPayload(Ops.slice(sorted, 0, offset, offset + rows)));
      send(j, "ep-n", counts(counts));
      offset += rows;
    }
    List<NDArray> ownerInputs = new ArrayList<>();
    List<NDArray> ownerOutputs = new ArrayList<>();
    for (int i = 0; i < group.size(); i++) { // serve: rank i's tokens for my experts
      NDArray input = HostArrays.toArray(receive(i, "ep-x"), manager);
      int[] counts = counts(receive(i, "ep-n"));
      NDArray output;
      if (input.getShape().get(0) == 0) {
        output = input;
      } else {
        input.setRequiresGradient(true);
        output = owned.apply(input, counts);
      }
      ownerInputs.add(input);
      ownerOutputs.add(output);
      send(i, "ep-y", HostArrays.toPayload(output));
    }
    List<NDArray> received = new ArrayList<>();
    NDList nonEmpty = new NDList();
    for (int j = 0; j < group.size(); j++) { // combine: my tokens back from every owner, in expert order
      NDArray output = HostArrays.toArray(receive(j, "ep-y"), manager);
      if (output.getShape().get(0) > 0) {
        output.setRequiresGradient(true);
        nonEmpty.add(output);
      }
      received.add(output);
    }
    passes.put(cursor.microBatch, new Pass(sorted, received, ownerInputs, ownerOutputs));
    return nonEmpty.size() == 1 ? nonEmpty.singletonOrThrow() : NDArrays.concat(nonEmpty, 0); // (M, d)
  }

  /**
   * The expert part of this layer's backward for the cursor's micro-batch, once every backward from above has
   * reached this layer's received outputs.
   */
  void backward() {
    Pass pass = passes.remove(cursor.microBatch);
    for (int j = 0; j < group.size(); j++) send(j, "ep-dy", gradientOf(pass.outputsReceived().get(j)));
    for (int i = 0; i < group.size(); i++) {
      NDArray outputGradient = HostArrays.toArray(receive(i, "ep-dy"), pass.sorted().getManager());
      NDArray input = pass.ownerInputs().get(i);
      if (input.getShape().get(0) > 0) Autograd.backward(pass.ownerOutputs().get(i), outputGradient);
      send(i, "ep-dx", gradientOf(input));
    }
    NDList inputGradients = new NDList();
    for (int j = 0; j < group.size(); j++) {
      NDArray g = HostArrays.toArray(receive(j, "ep-dx"), pass.sorted().getManager());
      if (g.getShape().get(0) > 0) inputGradients.add(g);
    }
    NDArray sortedGradient = inputGradients.size() == 1 ? inputGradients.singletonOrThrow()
        : NDArrays.concat(inputGradients, 0); // (M, d)
    // The rest of this stage's graph below this layer is traversed again by later passes: keep it.
    Autograd.backward(pass.sorted(), sortedGradient, true);
  }

  private static TensorPayload gradientOf(NDArray leaf) {
    if (leaf.getShape().get(0) == 0) return HostArrays.toPayload(leaf);
    return HostArrays.toPayload(leaf.getGradient());
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
