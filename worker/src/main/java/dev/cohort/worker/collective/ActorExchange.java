package dev.cohort.worker.collective;

import dev.cohort.placement.WorkerId;
import dev.cohort.protocol.WorkerProtocol;
import dev.cohort.wire.TensorChunk;
import dev.cohort.wire.TensorChunks;
import dev.cohort.wire.TensorPayload;
import java.time.Duration;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * The Exchange over Pekko Artery: sends are tells to the peer's Worker actor (tensors above one frame go as chunks),
 * and the Worker actor delivers what arrives into this exchange's inbox, where the engine thread waits for it.
 */
public final class ActorExchange implements WorkerExchange {
  private final WorkerId self;
  private final Map<String, ActorRef<WorkerProtocol.Command>> peers;
  private final Mailbox inbox = new Mailbox();

  public ActorExchange(WorkerId self, Map<String, ActorRef<WorkerProtocol.Command>> peers) {
    this.self = self;
    this.peers = Map.copyOf(peers);
  }

  @Override
  public WorkerId self() {
    return self;
  }

  @Override
  public void send(WorkerId to, TensorKey key, TensorPayload payload) {
    ActorRef<WorkerProtocol.Command> peer = peers.get(to.value());
    if (peer == null) throw new IllegalArgumentException("no worker " + to + " in this placement");
    if (payload.data().length <= TensorChunks.DEFAULT_CHUNK_BYTES) {
      peer.tell(new WorkerProtocol.Tensor(key.epoch(), key.step(), key.kind(), key.index(), key.from(), payload));
      return;
    }
    for (TensorChunk chunk : TensorChunks.split(payload)) {
      peer.tell(new WorkerProtocol.TensorPart(key.epoch(), key.step(), key.kind(), key.index(), key.from(), chunk));
    }
  }

  @Override
  public void abort() {
    inbox.abort();
  }

  @Override
  public TensorPayload receive(TensorKey key, Duration timeout) {
    return inbox.await(key, timeout);
  }

  /** Tensors travel as Pekko messages to the peer's actor: there is no data address. */
  @Override
  public String dataAddress() {
    return "";
  }

  /** The peers' actor references, given at construction, are all this exchange needs. */
  @Override
  public void connect(Map<WorkerId, String> dataAddresses) {}

  /** Called by the Worker actor for every tensor that arrives for this placement epoch. */
  @Override
  public void deliver(TensorKey key, TensorPayload payload) {
    inbox.deliver(key, payload);
  }

  @Override
  public void dropBefore(long step) {
    inbox.dropBefore(step);
  }

  /** Holds nothing but the inbox: the actor system owns the connections. */
  @Override
  public void close() {}
}
