package dev.cohort.worker.collective;

import dev.cohort.metrics.TransportMetrics;
import dev.cohort.placement.WorkerId;
import dev.cohort.wire.TensorPayload;
import java.time.Duration;

/** An Exchange that counts the payload bytes it sends to and receives from each peer, whatever carries them. */
public final class MeteredExchange implements Exchange {
  private final Exchange inner;

  public MeteredExchange(Exchange inner) {
    this.inner = inner;
  }

  @Override
  public WorkerId self() {
    return inner.self();
  }

  @Override
  public void send(WorkerId to, TensorKey key, TensorPayload payload) {
    inner.send(to, key, payload);
    TransportMetrics.sent(to.value(), payload.data().length);
  }

  @Override
  public TensorPayload receive(TensorKey key, Duration timeout) {
    TensorPayload payload = inner.receive(key, timeout);
    TransportMetrics.received(key.from(), payload.data().length);
    return payload;
  }

  @Override
  public void abort() {
    inner.abort();
  }
}
