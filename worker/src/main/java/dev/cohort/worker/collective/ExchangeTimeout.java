package dev.cohort.worker.collective;

import java.time.Duration;

/** A receive that waited its whole timeout: the peer is slow, hung or gone. */
public final class ExchangeTimeout extends RuntimeException {
  public ExchangeTimeout(TensorKey key, Duration waited) {
    super("no tensor " + key.kind() + "[" + key.index() + "] of step " + key.step() + " (epoch " + key.epoch()
        + ") from " + key.from() + " within " + waited.toMillis() + " ms");
  }
}
