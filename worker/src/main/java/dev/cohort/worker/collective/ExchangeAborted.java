package dev.cohort.worker.collective;

/** A receive ended because its exchange's placement was abandoned (see {@link Exchange#abort}). */
public final class ExchangeAborted extends RuntimeException {
  public ExchangeAborted(TensorKey key) {
    super("placement epoch " + key.epoch() + " abandoned while waiting for " + key.kind() + "[" + key.index()
        + "] of step " + key.step() + " from " + key.from());
  }
}
