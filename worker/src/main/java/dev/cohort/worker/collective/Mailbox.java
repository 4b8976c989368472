package dev.cohort.worker.collective;

import dev.cohort.wire.TensorPayload;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A worker's incoming tensors: one slot per key, made by whichever of delivery and wait comes first, so arrival
 * order never matters. A second delivery of a key still in its slot is ignored: a message may arrive twice.
 * Thread-safe: the transport delivers, the engine thread waits.
 */
final class Mailbox {
  private final ConcurrentMap<TensorKey, CompletableFuture<TensorPayload>> slots = new ConcurrentHashMap<>();
  private volatile boolean aborted;

  void deliver(TensorKey key, TensorPayload payload) {
    slot(key).complete(payload);
  }

  /** @throws ExchangeTimeout when nothing arrives in time; ExchangeAborted once {@link #abort} was called */
  TensorPayload await(TensorKey key, Duration timeout) {
    CompletableFuture<TensorPayload> slot = slot(key);
    if (aborted) slot.completeExceptionally(new ExchangeAborted(key));
    try {
      return slot.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      throw new ExchangeTimeout(key, timeout);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for " + key, e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof ExchangeAborted aborted) throw aborted;
      throw new IllegalStateException("slots are only completed normally or aborted, yet " + key + " failed", e);
    } finally {
      slots.remove(key, slot); // done with it, whether it got the tensor or gave up waiting
    }
  }

  /** Forgets tensors of steps before {@code step} that nobody will wait for (a step that failed half-way). */
  void dropBefore(long step) {
    slots.keySet().removeIf(key -> key.step() < step);
  }

  /**
   * Fails every wait, now and later: the placement this mailbox served is gone (a worker was lost), and the engine
   * thread must not sit out the step timeout waiting for a dead peer before it can take its part in the new one.
   */
  void abort() {
    aborted = true;
    slots.forEach((key, slot) -> slot.completeExceptionally(new ExchangeAborted(key)));
  }

  /** Tensors delivered and not yet taken, or waited for and not yet delivered. */
  int pending() {
    return slots.size();
  }

  private CompletableFuture<TensorPayload> slot(TensorKey key) {
    return slots.computeIfAbsent(key, k -> new CompletableFuture<>());
  }
}
