package dev.cohort.worker.collective;

import dev.cohort.metrics.TransportMetrics;
import dev.cohort.placement.WorkerId;
import dev.cohort.wire.TensorPayload;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An Exchange that counts the payload bytes it sends to and receives from each peer, whatever carries them, and
 * knows whether the engine is blocked on a peer right now (what the coordinator asks a late worker).
 */
public final class MeteredExchange implements Exchange {
  private final Exchange inner;
  private final AtomicInteger onPeer = new AtomicInteger();

  public MeteredExchange(Exchange inner) {
    this.inner = inner;
  }

  @Override
  public WorkerId self() {
    return inner.self();
  }

  @Override
  public void send(WorkerId to, TensorKey key, TensorPayload payload) {
    onPeer.incrementAndGet();
    try {
      inner.send(to, key, payload); // blocks while a stalled peer leaves its socket full
    } finally {
      onPeer.decrementAndGet();
    }
    TransportMetrics.sent(to.value(), payload.data().length);
  }

  @Override
  public TensorPayload receive(TensorKey key, Duration timeout) {
    TensorPayload payload;
    onPeer.incrementAndGet();
    try {
      payload = inner.receive(key, timeout);
    } finally {
      onPeer.decrementAndGet();
    }
    TransportMetrics.received(key.from(), payload.data().length);
    return payload;
  }

  /** Whether a send or a receive is in progress: the engine waits for a peer, not for its own compute. */
  public boolean waitingOnPeer() {
    return onPeer.get() > 0;
  }

  @Override
  public void abort() {
    inner.abort();
  }
}
