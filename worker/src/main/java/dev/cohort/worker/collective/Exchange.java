package dev.cohort.worker.collective;

import dev.cohort.placement.WorkerId;
import dev.cohort.wire.TensorPayload;
import java.time.Duration;

/**
 * Point-to-point tensor transport between the workers of one placement epoch: the only thing pipeline, expert and
 * data parallelism need from the network. Over raw TCP sockets ({@link SocketExchange}, the default) or Pekko Artery
 * ({@link ActorExchange}); an NCCL implementation can replace it on GPU hosts.
 * Sends never block; a receive blocks the calling (engine) thread until the tensor with that key arrives.
 */
public interface Exchange {
  WorkerId self();

  void send(WorkerId to, TensorKey key, TensorPayload payload);

  /** @throws ExchangeTimeout when nothing arrives in time, naming the key and the sender it waited for */
  TensorPayload receive(TensorKey key, Duration timeout);

  /**
   * Ends this exchange's placement: every receive, waiting or future, throws {@link ExchangeAborted} at once. Called
   * when the coordinator replans after losing a worker, so that a step blocked on the lost peer ends now.
   */
  void abort();
}
