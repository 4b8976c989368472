package dev.cohort.worker.bench;

import dev.cohort.tensor.DType;
import dev.cohort.wire.TensorPayload;
import dev.cohort.worker.bench.TransportProtocol.ToReceiver;
import dev.cohort.worker.bench.TransportSender.Outcome;
import dev.cohort.worker.collective.SocketExchange;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.ToDoubleFunction;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * Tensor transport throughput between two worker JVMs: this JVM sends, a {@link TransportPeer} JVM it starts
 * receives. For each tensor size it moves the same volume (i) as Artery messages carrying {@code TensorPayload}s
 * (or {@code TensorChunk}s above the chunk budget) with a bounded window of unacknowledged messages, (ii) over
 * a plain loopback TCP socket, and (iii) through the workers' socket data plane ({@link SocketPath}), timing each
 * from first send to the receiver's last acknowledgement. The three take turns, {@code repeats} times per size, and
 * each path's median is reported.
 */
public final class TransportBenchmark {
  private TransportBenchmark() {}

  /** Any run gets this long before it counts as stalled, plus the time its volume takes at the rate below. */
  private static final Duration BASE_TIMEOUT = Duration.ofSeconds(30);
  /** Far below anything measured here (300 MB/s and up): a run slower than this has lost messages. */
  private static final double SLOWEST_BYTES_PER_SECOND = 10e6;
  private static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(10);
  private static final long PAYLOAD_SEED = 7;

  /** Runs the benchmark and hands each size's result to {@code onResult} as soon as it is measured. */
  public static TransportReport run(TransportSettings settings, Consumer<SizeResult> onResult)
      throws IOException, InterruptedException {
    double loadBefore = systemLoad();
    List<SizeResult> results = new ArrayList<>();
    long peerPid;
    try (PeerProcess peer = PeerProcess.start()) {
      peerPid = peer.pid();
      ActorSystem<TransportSender.Command> system =
          ActorSystem.create(TransportSender.create(), "transport-sender", TransportBenchConfig.load());
      try (SocketExchange data = SocketPath.openSender(peer.dataAddress())) {
        ActorRef<ToReceiver> receiver = ActorRefResolver.get(system).resolveActorRef(peer.receiverPath());
        Paths paths = new Paths(system, receiver, peer.rawPort(), data);
        for (int size : settings.payloadSizes()) measure(paths, settings, size, settings.warmupBytes());
        for (int size : settings.payloadSizes()) {
          SizeResult result = median(size, settings.repeats(), () -> measure(paths, settings, size,
              settings.volumeBytes()));
          results.add(result);
          onResult.accept(result);
        }
      } finally {
        system.terminate();
        awaitTermination(system);
      }
    }
    return new TransportReport(peerPid, loadBefore, systemLoad(), results);
  }

  /** Where each path sends; {@code runs} numbers the socket path's runs. */
  private record Paths(ActorSystem<TransportSender.Command> system, ActorRef<ToReceiver> receiver, int rawPort,
      SocketExchange data, AtomicLong runs) {
    Paths(ActorSystem<TransportSender.Command> system, ActorRef<ToReceiver> receiver, int rawPort,
        SocketExchange data) {
      this(system, receiver, rawPort, data, new AtomicLong());
    }
  }

  /** The three paths for one size, in the same conditions; a zero volume (no warm-up) sends nothing. */
  private static SizeResult measure(Paths paths, TransportSettings settings, int size, long volumeBytes)
      throws IOException, InterruptedException {
    long tensors = TransportSettings.tensorsFor(volumeBytes, size);
    Measurement none = new Measurement(0, 0, 0);
    if (tensors == 0) return new SizeResult(size, 0, 0, 0, none, none, none);
    Outcome artery = overArtery(paths.system(), paths.receiver(), settings, size, tensors);
    byte[] bytes = randomBytes(size);
    Measurement raw = RawTcp.send(paths.rawPort(), bytes, tensors);
    Measurement sockets = SocketPath.send(paths.data(), paths.runs().getAndIncrement(),
        new TensorPayload(DType.F32, new long[] {size / Float.BYTES}, bytes), tensors, timeout(size, tensors));
    return new SizeResult(size, tensors, artery.messages(), artery.tensorsReassembled(), artery.measurement(), raw,
        sockets);
  }

  /** One measurement of all three paths. */
  private interface Round {
    SizeResult measure() throws IOException, InterruptedException;
  }

  /** {@code repeats} rounds of all three paths; for each path the round with its median throughput. */
  private static SizeResult median(int size, int repeats, Round round) throws IOException, InterruptedException {
    List<SizeResult> rounds = new ArrayList<>();
    for (int i = 0; i < repeats; i++) rounds.add(round.measure());
    SizeResult artery = medianBy(rounds, r -> r.artery().megabytesPerSecond());
    SizeResult raw = medianBy(rounds, r -> r.rawTcp().megabytesPerSecond());
    SizeResult sockets = medianBy(rounds, r -> r.sockets().megabytesPerSecond());
    return new SizeResult(size, artery.tensors(), artery.arteryMessages(), artery.tensorsReassembled(),
        artery.artery(), raw.rawTcp(), sockets.sockets());
  }

  private static SizeResult medianBy(List<SizeResult> rounds, ToDoubleFunction<SizeResult> throughput) {
    return rounds.stream().sorted(Comparator.comparingDouble(throughput)).toList().get(rounds.size() / 2);
  }

  private static Duration timeout(int size, long tensors) {
    return BASE_TIMEOUT.plusMillis((long) (tensors * size / SLOWEST_BYTES_PER_SECOND * 1000));
  }

  private static Outcome overArtery(ActorSystem<TransportSender.Command> system, ActorRef<ToReceiver> receiver,
      TransportSettings settings, int size, long tensors) throws IOException, InterruptedException {
    CompletableFuture<Outcome> done = new CompletableFuture<>();
    system.tell(new TransportSender.Start(receiver, size, tensors, settings.window(), settings.chunkBytes(), done));
    Duration timeout = timeout(size, tensors);
    try {
      return done.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new IOException("Artery transfer of " + tensors + " tensors of " + size + " bytes not acknowledged"
          + " within " + timeout + ": messages lost (frame size? peer gone?)", e);
    } catch (ExecutionException e) {
      throw new IOException("Artery transfer failed: " + e.getCause().getMessage(), e.getCause());
    }
  }

  private static byte[] randomBytes(int size) {
    byte[] bytes = new byte[size];
    new Random(PAYLOAD_SEED).nextBytes(bytes);
    return bytes;
  }

  private static void awaitTermination(ActorSystem<?> system) throws InterruptedException {
    try {
      system.getWhenTerminated().toCompletableFuture().get(SHUTDOWN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException e) {
      System.err.println("transport benchmark: actor system did not terminate cleanly: " + e);
    }
  }

  private static double systemLoad() {
    return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
  }
}
