package dev.cohort.worker.bench;

import dev.cohort.wire.ChunkAssembler;
import dev.cohort.worker.bench.TransportProtocol.Ack;
import dev.cohort.worker.bench.TransportProtocol.TensorPart;
import dev.cohort.worker.bench.TransportProtocol.ToReceiver;
import dev.cohort.worker.bench.TransportProtocol.WholeTensor;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/** The peer's actor: takes tensors in (reassembling chunked ones) and acknowledges every message. */
final class TransportReceiver {
  private TransportReceiver() {}

  static Behavior<ToReceiver> create() {
    return Behaviors.setup(context -> {
      ChunkAssembler assembler = new ChunkAssembler();
      return Behaviors.receive(ToReceiver.class)
          .onMessage(WholeTensor.class, whole -> {
            whole.replyTo().tell(new Ack(whole.seq(), whole.tensor().data().length, true));
            return Behaviors.same();
          })
          .onMessage(TensorPart.class, part -> {
            boolean complete = assembler.add(part.chunk()).isPresent();
            part.replyTo().tell(new Ack(part.seq(), part.chunk().bytes().length, complete));
            return Behaviors.same();
          })
          .build();
    });
  }
}
