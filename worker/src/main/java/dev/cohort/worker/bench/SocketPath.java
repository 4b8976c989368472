package dev.cohort.worker.bench;

import dev.cohort.placement.WorkerId;
import dev.cohort.tensor.DType;
import dev.cohort.wire.TensorPayload;
import dev.cohort.worker.collective.DataSockets;
import dev.cohort.worker.collective.ExchangeTimeout;
import dev.cohort.worker.collective.SocketExchange;
import dev.cohort.worker.collective.TensorKey;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.Map;

/**
 * The benchmark over the workers' own data plane: a {@link SocketExchange} in each JVM, used exactly as a training
 * worker uses it. Per run the sender announces the tensor count, sends the tensors, and waits for the peer's
 * acknowledgement, a tensor holding the bytes it received.
 */
final class SocketPath {
  private SocketPath() {}

  /** The sender's id sorts first, so it dials and the peer only needs to accept. */
  static final WorkerId SENDER = new WorkerId("bench-0");
  static final WorkerId PEER = new WorkerId("bench-1");
  private static final String COUNT = "bench-count";
  private static final String TENSOR = "bench-tensor";
  private static final String ACK = "bench-ack";
  /** The peer waits this long for the next run before checking again; it lives until its parent closes it. */
  private static final Duration PEER_POLL = Duration.ofMinutes(1);

  /** The sending side: its exchange, connected to the peer. */
  static SocketExchange openSender(String peerAddress) {
    SocketExchange exchange = SocketExchange.open(SENDER, RawTcp.loopback().getHostAddress(), 0, DataSockets.plain());
    exchange.connect(Map.of(PEER, peerAddress));
    return exchange;
  }

  /**
   * Sends {@code tensors} copies of {@code payload} as run {@code run} and waits for the peer's count.
   *
   * @throws ExchangeTimeout when the acknowledgement does not come within {@code timeout}
   */
  static Measurement send(SocketExchange exchange, long run, TensorPayload payload, long tensors, Duration timeout) {
    long start = System.nanoTime();
    exchange.send(PEER, key(run, COUNT, 0, SENDER), scalar(tensors));
    for (long i = 0; i < tensors; i++) exchange.send(PEER, key(run, TENSOR, (int) i, SENDER), payload);
    long acked = value(exchange.receive(key(run, ACK, 0, PEER), timeout));
    return new Measurement(tensors * payload.data().length, acked, System.nanoTime() - start);
  }

  /** The peer's side, on a daemon thread: receives run after run and acknowledges each. */
  static SocketExchange startPeer() {
    SocketExchange exchange = SocketExchange.open(PEER, RawTcp.loopback().getHostAddress(), 0, DataSockets.plain());
    Thread thread = new Thread(() -> serve(exchange), "bench-socket-peer");
    thread.setDaemon(true);
    thread.start();
    return exchange;
  }

  private static void serve(SocketExchange exchange) {
    for (long run = 0; ; run++) {
      long tensors = awaitCount(exchange, run);
      long bytes = 0;
      for (long i = 0; i < tensors; i++) {
        bytes += exchange.receive(key(run, TENSOR, (int) i, SENDER), PEER_POLL).data().length;
      }
      exchange.send(SENDER, key(run, ACK, 0, PEER), scalar(bytes));
    }
  }

  private static long awaitCount(SocketExchange exchange, long run) {
    while (true) {
      try {
        return value(exchange.receive(key(run, COUNT, 0, SENDER), PEER_POLL));
      } catch (ExchangeTimeout idle) {
        // No run yet: the sender is busy with another path, or done and about to close this process.
      }
    }
  }

  private static TensorKey key(long run, String kind, int index, WorkerId from) {
    return new TensorKey(0, run, kind, index, from.value());
  }

  private static TensorPayload scalar(long value) {
    byte[] bytes = ByteBuffer.allocate(Long.BYTES).order(ByteOrder.LITTLE_ENDIAN).putLong(value).array();
    return new TensorPayload(DType.I64, new long[] {1}, bytes);
  }

  private static long value(TensorPayload scalar) {
    return ByteBuffer.wrap(scalar.data()).order(ByteOrder.LITTLE_ENDIAN).getLong();
  }
}
