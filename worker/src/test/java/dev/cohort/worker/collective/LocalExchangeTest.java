package dev.cohort.worker.collective;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cohort.placement.WorkerId;
import dev.cohort.wire.TensorPayload;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class LocalExchangeTest {
  private static final WorkerId ALICE = new WorkerId("alice");
  private static final WorkerId BOB = new WorkerId("bob");
  private static final Duration WAIT = Duration.ofSeconds(5);

  private final LocalExchange.Hub hub = new LocalExchange.Hub();
  private final LocalExchange alice = hub.exchangeFor(ALICE);
  private final LocalExchange bob = hub.exchangeFor(BOB);

  @Test
  void aTensorSentBeforeItIsAwaitedIsDeliveredAndThenForgotten() {
    TensorKey key = key(0);
    alice.send(BOB, key, payload(1, 2));
    assertEquals(payload(1, 2), bob.receive(key, WAIT));
    assertEquals(0, hub.pending(BOB));
  }

  @Test
  void aReceiverWaitingFirstGetsTheTensorWhenItArrives() throws Exception {
    TensorKey key = key(0);
    CompletableFuture<TensorPayload> received = CompletableFuture.supplyAsync(() -> bob.receive(key, WAIT));
    alice.send(BOB, key, payload(3));
    assertEquals(payload(3), received.get(5, TimeUnit.SECONDS));
  }

  @Test
  void tensorsAreMatchedByKeyWhateverOrderTheyArriveIn() {
    alice.send(BOB, key(1), payload(1));
    alice.send(BOB, key(0), payload(0));
    assertEquals(payload(0), bob.receive(key(0), WAIT));
    assertEquals(payload(1), bob.receive(key(1), WAIT));
  }

  @Test
  void aTensorGoesOnlyToTheWorkerItWasSentTo() {
    alice.send(BOB, key(0), payload(1));
    assertThrows(ExchangeTimeout.class, () -> alice.receive(key(0), Duration.ofMillis(20)));
    assertEquals(payload(1), bob.receive(key(0), WAIT));
  }

  @Test
  void aReceiveThatNothingAnswersTimesOutNamingTheKey() {
    long started = System.nanoTime();
    ExchangeTimeout timeout = assertThrows(ExchangeTimeout.class, () -> bob.receive(key(7), Duration.ofMillis(50)));
    assertTrue(System.nanoTime() - started < TimeUnit.SECONDS.toNanos(2), "the receive overran its timeout");
    assertTrue(timeout.getMessage().contains("act[7]") && timeout.getMessage().contains("alice"), timeout.getMessage());
    assertEquals(0, hub.pending(BOB), "a timed-out receive must not leave its slot behind");
  }

  private static TensorKey key(int microBatch) {
    return new TensorKey(1, 2, "act", microBatch, ALICE.value());
  }

  private static TensorPayload payload(float... values) {
    return FloatPayloads.of(values, 0, values.length);
  }
}
