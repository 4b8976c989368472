package dev.cohort.worker.bench;

import dev.cohort.tensor.DType;
import dev.cohort.wire.TensorChunk;
import dev.cohort.wire.TensorChunks;
import dev.cohort.wire.TensorPayload;
import dev.cohort.worker.bench.TransportProtocol.Ack;
import dev.cohort.worker.bench.TransportProtocol.TensorPart;
import dev.cohort.worker.bench.TransportProtocol.ToReceiver;
import dev.cohort.worker.bench.TransportProtocol.WholeTensor;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * The sending side's actor: streams tensors to a receiver with at most {@code window} unacknowledged messages,
 * splitting each tensor above the chunk budget into {@link TensorChunk}s as a training worker would, and completes
 * the run's future when the last acknowledgement arrives. One run at a time.
 */
final class TransportSender extends AbstractBehavior<TransportSender.Command> {
  sealed interface Command {}

  /** Starts a run; local only (carries a future), never crosses the network. */
  record Start(ActorRef<ToReceiver> receiver, int payloadBytes, long tensors, int window, int chunkBytes,
      CompletableFuture<Outcome> done) implements Command {}

  private record Acked(Ack ack) implements Command {}

  /** What a finished run measured. */
  record Outcome(Measurement measurement, long messages, long tensorsReassembled) {}

  /** Fixed seed: the bytes do not matter to the transport, only that they are not all zero. */
  private static final long PAYLOAD_SEED = 42;

  private final ActorRef<Ack> acks;
  private Run run;

  static Behavior<Command> create() {
    return Behaviors.setup(TransportSender::new);
  }

  private TransportSender(ActorContext<Command> context) {
    super(context);
    this.acks = context.messageAdapter(Ack.class, Acked::new);
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Start.class, this::onStart)
        .onMessage(Acked.class, this::onAck)
        .build();
  }

  private Behavior<Command> onStart(Start start) {
    if (run != null) {
      start.done().completeExceptionally(new IllegalStateException("a transport run is already in progress"));
      return this;
    }
    run = new Run(start);
    run.fillWindow();
    return this;
  }

  private Behavior<Command> onAck(Acked acked) {
    if (run == null) return this;
    run.acknowledge(acked.ack());
    if (run.finished()) {
      run.complete();
      run = null;
    } else {
      run.fillWindow();
    }
    return this;
  }

  /** State of one run; the tensor reused for every send is built once, chunks are split per tensor. */
  private final class Run {
    private final Start start;
    private final TensorPayload tensor;
    private final Deque<ToReceiver> unsent = new ArrayDeque<>();
    private final long startNanos = System.nanoTime();
    private long tensorsQueued;
    private long nextSeq;
    private long inFlight;
    private long bytesAcked;
    private long tensorsReassembled;

    Run(Start start) {
      this.start = start;
      byte[] data = new byte[start.payloadBytes()];
      new Random(PAYLOAD_SEED).nextBytes(data);
      this.tensor = new TensorPayload(DType.F32, new long[] {start.payloadBytes() / Float.BYTES}, data);
    }

    void fillWindow() {
      while (inFlight < start.window() && (!unsent.isEmpty() || tensorsQueued < start.tensors())) {
        if (unsent.isEmpty()) queueNextTensor();
        start.receiver().tell(unsent.poll());
        inFlight++;
      }
    }

    private void queueNextTensor() {
      tensorsQueued++;
      if (tensor.data().length <= start.chunkBytes()) {
        unsent.add(new WholeTensor(nextSeq++, tensor, acks));
        return;
      }
      for (TensorChunk chunk : TensorChunks.split(tensor, start.chunkBytes())) {
        unsent.add(new TensorPart(nextSeq++, chunk, acks));
      }
    }

    void acknowledge(Ack ack) {
      inFlight--;
      bytesAcked += ack.bytes();
      if (ack.tensorComplete()) tensorsReassembled++;
    }

    boolean finished() {
      return tensorsQueued == start.tensors() && unsent.isEmpty() && inFlight == 0;
    }

    void complete() {
      long nanos = System.nanoTime() - startNanos;
      long bytesSent = start.tensors() * start.payloadBytes();
      start.done().complete(new Outcome(new Measurement(bytesSent, bytesAcked, nanos), nextSeq, tensorsReassembled));
    }
  }
}
