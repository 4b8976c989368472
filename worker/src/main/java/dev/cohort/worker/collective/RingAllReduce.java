package dev.cohort.worker.collective;

import dev.cohort.placement.WorkerId;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;

/**
 * The bandwidth-optimal ring collectives: each member sends and receives (n - 1) / n of the data per phase whatever n
 * is. Reduce-scatter: in n - 1 rounds each member passes one segment to its right neighbour and adds the one from
 * its left, so that afterwards member r holds the complete sum of segment r. All-gather: in n - 1 rounds the segments
 * travel round the ring and are copied, never re-added. An all-reduce is both, over n equal segments, so its result
 * is bitwise identical on every member.
 *
 * <p>Keys are {@code ("ring/" + tag, round)} with the reduce-scatter's rounds numbered 0 .. n - 2 and the
 * all-gather's n - 1 .. 2n - 3, so several collectives of one step with different tags never mix. Each receive waits
 * at most {@code receiveTimeout}, so a member that is gone makes every other member fail with
 * {@link ExchangeTimeout} instead of hanging.
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
    int[] equal = new int[group.size() + 1];
    for (int r = 0; r <= group.size(); r++) equal[r] = (int) ((long) data.length * r / group.size());
    reduceScatterSum(group, data, equal, epoch, step, tag);
    allGather(group, data, equal, epoch, step, tag);
  }

  @Override
  public void reduceScatterSum(List<WorkerId> group, float[] data, int[] bounds, long epoch, long step, String tag) {
    Ring ring = ring(group, data, bounds, epoch, step, tag);
    int n = group.size();
    for (int round = 0; round < n - 1; round++) {
      int received = Math.floorMod(ring.rank - round - 2, n);
      float[] incoming = ring.pass(round, data, Math.floorMod(ring.rank - round - 1, n), received);
      int start = bounds[received];
      for (int i = 0; i < incoming.length; i++) data[start + i] += incoming[i];
    }
  }

  @Override
  public void allGather(List<WorkerId> group, float[] data, int[] bounds, long epoch, long step, String tag) {
    Ring ring = ring(group, data, bounds, epoch, step, tag);
    int n = group.size();
    for (int round = 0; round < n - 1; round++) {
      int received = Math.floorMod(ring.rank - round - 1, n);
      float[] incoming = ring.pass(n - 1 + round, data, Math.floorMod(ring.rank - round, n), received);
      System.arraycopy(incoming, 0, data, bounds[received], incoming.length);
    }
  }

  private Ring ring(List<WorkerId> group, float[] data, int[] bounds, long epoch, long step, String tag) {
    int rank = group.indexOf(exchange.self());
    if (rank < 0) throw new IllegalArgumentException(exchange.self() + " is not in the collective's group " + group);
    if (new HashSet<>(group).size() != group.size()) {
      throw new IllegalArgumentException("collective group " + group + " names a worker twice");
    }
    int n = group.size();
    boolean valid = bounds.length == n + 1 && bounds[0] == 0 && bounds[n] == data.length;
    for (int r = 0; valid && r < n; r++) valid = bounds[r] <= bounds[r + 1];
    if (!valid) {
      throw new IllegalArgumentException("segment bounds " + Arrays.toString(bounds) + " do not cut " + data.length
          + " elements into " + n + " segments");
    }
    return new Ring(rank, bounds, group.get((rank + 1) % n), group.get((rank + n - 1) % n), epoch, step,
        KIND_PREFIX + tag);
  }

  /** This member's place in the ring for one collective. */
  private final class Ring {
    private final int rank;
    private final int[] bounds;
    private final WorkerId right;
    private final WorkerId left;
    private final long epoch;
    private final long step;
    private final String kind;

    Ring(int rank, int[] bounds, WorkerId right, WorkerId left, long epoch, long step, String kind) {
      this.rank = rank;
      this.bounds = bounds;
      this.right = right;
      this.left = left;
      this.epoch = epoch;
      this.step = step;
      this.kind = kind;
    }

    /** Sends segment {@code sent} to the right and returns the left neighbour's segment {@code received}. */
    float[] pass(int round, float[] data, int sent, int received) {
      TensorKey outgoing = new TensorKey(epoch, step, kind, round, exchange.self().value());
      exchange.send(right, outgoing, FloatPayloads.of(data, bounds[sent], bounds[sent + 1] - bounds[sent]));
      TensorKey incoming = new TensorKey(epoch, step, kind, round, left.value());
      return FloatPayloads.read(exchange.receive(incoming, receiveTimeout), bounds[received + 1] - bounds[received],
          incoming);
    }
  }
}
