package dev.cohort.worker.collective;

import dev.cohort.placement.WorkerId;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;

/**
 * The bandwidth-optimal ring all-reduce: each member sends and receives 2 (n - 1) / n of the data whatever n is.
 * The data is cut into n contiguous chunks. Reduce-scatter: in n - 1 rounds each member passes one chunk to its
 * right neighbour and adds the one from its left, so that afterwards member r holds the complete sum of chunk
 * r + 1. All-gather: in n - 1 more rounds those sums travel round the ring and are copied, never re-added, so the
 * result is bitwise identical on every member.
 *
 * <p>Keys are {@code ("ring/" + tag, round)} with the rounds of both phases numbered 0 .. 2n - 3, so several
 * all-reduces of one step with different tags never mix. Each receive waits at most {@code receiveTimeout}, so a
 * member that is gone makes every other member fail with {@link ExchangeTimeout} instead of hanging.
 */
public final class RingAllReduce implements Collective {
  private static final String KIND_PREFIX = "ring/";

  private final Exchange exchange;
  private final Duration receiveTimeout;

  public RingAllReduce(Exchange exchange, Duration receiveTimeout) {
    if (receiveTimeout.isNegative() || receiveTimeout.isZero()) {
      throw new IllegalArgumentException("ring all-reduce receive timeout must be positive, got " + receiveTimeout);
    }
    this.exchange = exchange;
    this.receiveTimeout = receiveTimeout;
  }

  @Override
  public void allReduceSum(List<WorkerId> group, float[] data, long epoch, long step, String tag) {
    int rank = rankOf(group);
    int n = group.size();
    if (n == 1) return;
    Ring ring = new Ring(group.get((rank + 1) % n), group.get((rank + n - 1) % n), epoch, step, KIND_PREFIX + tag);
    Chunks chunks = new Chunks(data.length, n);
    for (int round = 0; round < n - 1; round++) {
      int sent = Math.floorMod(rank - round, n);
      int received = Math.floorMod(rank - round - 1, n);
      float[] incoming = ring.pass(round, data, chunks, sent, received);
      int start = chunks.start(received);
      for (int i = 0; i < incoming.length; i++) data[start + i] += incoming[i];
    }
    for (int round = 0; round < n - 1; round++) {
      int sent = Math.floorMod(rank + 1 - round, n);
      int received = Math.floorMod(rank - round, n);
      float[] incoming = ring.pass(n - 1 + round, data, chunks, sent, received);
      System.arraycopy(incoming, 0, data, chunks.start(received), incoming.length);
    }
  }

  private int rankOf(List<WorkerId> group) {
    int rank = group.indexOf(exchange.self());
    if (rank < 0) throw new IllegalArgumentException(exchange.self() + " is not in the all-reduce group " + group);
    if (new HashSet<>(group).size() != group.size()) {
      throw new IllegalArgumentException("all-reduce group " + group + " names a worker twice");
    }
    return rank;
  }

  /** This member's place in the ring for one all-reduce. */
  private final class Ring {
    private final WorkerId right;
    private final WorkerId left;
    private final long epoch;
    private final long step;
    private final String kind;

    Ring(WorkerId right, WorkerId left, long epoch, long step, String kind) {
      this.right = right;
      this.left = left;
      this.epoch = epoch;
      this.step = step;
      this.kind = kind;
    }

    /** Sends chunk {@code sent} to the right and returns the left neighbour's chunk {@code received}. */
    float[] pass(int round, float[] data, Chunks chunks, int sent, int received) {
      TensorKey outgoing = new TensorKey(epoch, step, kind, round, exchange.self().value());
      exchange.send(right, outgoing, FloatPayloads.of(data, chunks.start(sent), chunks.length(sent)));
      TensorKey incoming = new TensorKey(epoch, step, kind, round, left.value());
      return FloatPayloads.read(exchange.receive(incoming, receiveTimeout), chunks.length(received), incoming);
    }
  }

  /** n contiguous chunks whose lengths differ by at most one; some are empty when there are fewer elements than n. */
  private record Chunks(int length, int count) {
    int start(int chunk) {
      return (int) ((long) length * chunk / count);
    }

    int length(int chunk) {
      return start(chunk + 1) - start(chunk);
    }
  }
}
