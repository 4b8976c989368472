package dev.cohort.worker.collective;

import dev.cohort.placement.WorkerId;
import dev.cohort.wire.TensorPayload;
import java.util.Map;

/**
 * The exchange a worker process owns for one placement epoch, as its actor sees it: tensors that arrive as Pekko
 * messages are delivered into it, the peers' data-plane addresses are handed to it before the first step, and it
 * is closed with the run.
 */
public interface WorkerExchange extends Exchange, AutoCloseable {
  /** Where peers send this worker tensors ({@code HOST:PORT}), or "" when they arrive as Pekko messages. */
  String dataAddress();

  /** Learns every worker's {@link #dataAddress()}; the exchange connects to those it needs. Idempotent. */
  void connect(Map<WorkerId, String> dataAddresses);

  /** Takes a tensor that arrived as a Pekko message. */
  void deliver(TensorKey key, TensorPayload payload);

  /** Forgets tensors of steps before {@code step} that nobody will wait for (a step that failed half-way). */
  void dropBefore(long step);

  /** Releases the connections and threads the exchange holds. */
  @Override
  void close();
}
