package dev.cohort.worker.bench;

import dev.cohort.wire.TensorChunk;
import dev.cohort.wire.TensorPayload;
import dev.cohort.wire.WireMessage;
import org.apache.pekko.actor.typed.ActorRef;

/** Messages of the transport benchmark: tensors to the peer's receiver, one acknowledgement back per message. */
public final class TransportProtocol {
  private TransportProtocol() {}

  /** What the peer's receiver handles: a tensor sent whole, or one chunk of a tensor above the chunk budget. */
  public sealed interface ToReceiver extends WireMessage permits WholeTensor, TensorPart {}

  /** A tensor that fits one Artery frame. {@code seq} numbers messages of one transfer run. */
  public record WholeTensor(long seq, TensorPayload tensor, ActorRef<Ack> replyTo) implements ToReceiver {}

  /** One chunk of a tensor larger than the chunk budget; the receiver reassembles it as a training worker would. */
  public record TensorPart(long seq, TensorChunk chunk, ActorRef<Ack> replyTo) implements ToReceiver {}

  /**
   * Sent by the receiver after it has taken message {@code seq} in.
   *
   * @param bytes tensor bytes that message carried
   * @param tensorComplete true when this message completed a tensor (always for a whole tensor)
   */
  public record Ack(long seq, long bytes, boolean tensorComplete) implements WireMessage {}
}
