package dev.cohort.worker.collective;

import dev.cohort.placement.WorkerId;
import dev.cohort.wire.TensorPayload;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * An in-memory {@link Exchange}: workers that are threads of one JVM (tests, single-process runs) each hold their
 * own instance over one shared {@link Hub}.
 */
public final class LocalExchange implements Exchange {
  private final Hub hub;
  private final WorkerId self;

  private LocalExchange(Hub hub, WorkerId self) {
    this.hub = hub;
    this.self = self;
  }

  @Override
  public WorkerId self() {
    return self;
  }

  @Override
  public void send(WorkerId to, TensorKey key, TensorPayload payload) {
    hub.mailbox(to).deliver(key, payload);
  }

  @Override
  public void abort() {
    hub.mailbox(self).abort();
  }

  @Override
  public TensorPayload receive(TensorKey key, Duration timeout) {
    return hub.mailbox(self).await(key, timeout);
  }

  /** The mailboxes of every worker in this JVM. Thread-safe; mailboxes appear on first use by sender or receiver. */
  public static final class Hub {
    private final ConcurrentMap<WorkerId, Mailbox> mailboxes = new ConcurrentHashMap<>();

    /** The exchange through which {@code worker} sends and receives. */
    public LocalExchange exchangeFor(WorkerId worker) {
      return new LocalExchange(this, worker);
    }

    /** Tensors sent to {@code worker} and not yet received, or waited for and not yet sent. */
    public int pending(WorkerId worker) {
      return mailbox(worker).pending();
    }

    private Mailbox mailbox(WorkerId worker) {
      return mailboxes.computeIfAbsent(worker, w -> new Mailbox());
    }
  }
}
