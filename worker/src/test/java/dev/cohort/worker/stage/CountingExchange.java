package dev.cohort.worker.stage;

import dev.cohort.placement.WorkerId;
import dev.cohort.wire.TensorPayload;
import dev.cohort.worker.collective.Exchange;
import dev.cohort.worker.collective.TensorKey;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/** An Exchange that adds the payload bytes it sends to other workers under one kind prefix to a shared total. */
final class CountingExchange implements Exchange {
  private final Exchange inner;
  private final String kindPrefix;
  private final AtomicLong bytes;

  CountingExchange(Exchange inner, String kindPrefix, AtomicLong bytes) {
    this.inner = inner;
    this.kindPrefix = kindPrefix;
    this.bytes = bytes;
  }

  @Override
  public WorkerId self() {
    return inner.self();
  }

  @Override
  public void send(WorkerId to, TensorKey key, TensorPayload payload) {
    if (!to.equals(self()) && key.kind().startsWith(kindPrefix)) bytes.addAndGet(payload.data().length);
    inner.send(to, key, payload);
  }

  @Override
  public TensorPayload receive(TensorKey key, Duration timeout) {
    return inner.receive(key, timeout);
  }

  @Override
  public void abort() {
    inner.abort();
  }
}
