package dev.cohort.worker.collective;

import dev.cohort.placement.WorkerId;
import dev.cohort.wire.TensorPayload;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

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
    hub.mailbox(to).slot(key).complete(payload);
  }

  @Override
  public TensorPayload receive(TensorKey key, Duration timeout) {
    Mailbox mailbox = hub.mailbox(self);
    CompletableFuture<TensorPayload> slot = mailbox.slot(key);
    try {
      return slot.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      throw new ExchangeTimeout(key, timeout);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(self + " was interrupted while waiting for " + key, e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("slots are only ever completed normally, yet " + key + " failed", e);
    } finally {
      mailbox.release(key, slot);
    }
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
      return mailbox(worker).slots.size();
    }

    private Mailbox mailbox(WorkerId worker) {
      return mailboxes.computeIfAbsent(worker, w -> new Mailbox());
    }
  }

  /**
   * One slot per key, made by whichever of send and receive comes first, so arrival order never matters. A second
   * send of a key still in its slot is ignored: a message may arrive twice.
   */
  private static final class Mailbox {
    private final ConcurrentMap<TensorKey, CompletableFuture<TensorPayload>> slots = new ConcurrentHashMap<>();

    CompletableFuture<TensorPayload> slot(TensorKey key) {
      return slots.computeIfAbsent(key, k -> new CompletableFuture<>());
    }

    /** Forgets the slot once its receiver is done with it, whether it got the tensor or gave up waiting. */
    void release(TensorKey key, CompletableFuture<TensorPayload> slot) {
      slots.remove(key, slot);
    }
  }
}
