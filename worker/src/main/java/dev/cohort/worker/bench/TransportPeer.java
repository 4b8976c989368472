package dev.cohort.worker.bench;

import dev.cohort.worker.collective.SocketExchange;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * Main of the benchmark's peer JVM: an actor system whose guardian is the {@link TransportReceiver}, a
 * {@link RawTcp.Sink} and a {@link SocketPath} peer. Prints {@code READY <receiver path> <raw TCP port> <data
 * address>} once all three listen. Exits when its stdin
 * closes (the benchmark is done) or when the parent process, whose PID is the only argument, is gone.
 */
public final class TransportPeer {
  private TransportPeer() {}

  private static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(10);
  private static final int PARENT_GONE_EXIT = 3;
  private static final int USAGE_EXIT = 2;

  public static void main(String[] args) throws Exception {
    if (args.length != 1 || !args[0].matches("\\d+")) {
      System.err.println("usage: TransportPeer <parent pid>");
      System.exit(USAGE_EXIT);
    }
    exitWhenGone(Long.parseLong(args[0]));
    ActorSystem<TransportProtocol.ToReceiver> system =
        ActorSystem.create(TransportReceiver.create(), "transport-peer", TransportBenchConfig.load());
    try (RawTcp.Sink sink = new RawTcp.Sink(); SocketExchange data = SocketPath.startPeer()) {
      String receiver = ActorRefResolver.get(system).toSerializationFormat(system);
      System.out.println("READY " + receiver + " " + sink.port() + " " + data.dataAddress());
      System.out.flush();
      awaitEndOfInput();
    } finally {
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().get(SHUTDOWN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }
    System.exit(0);
  }

  /** A peer outliving a killed benchmark would hold its ports and memory: halt as soon as the parent is gone. */
  private static void exitWhenGone(long parentPid) {
    ProcessHandle.of(parentPid).ifPresentOrElse(
        parent -> parent.onExit().thenRun(() -> Runtime.getRuntime().halt(PARENT_GONE_EXIT)),
        () -> Runtime.getRuntime().halt(PARENT_GONE_EXIT));
  }

  private static void awaitEndOfInput() throws IOException {
    while (System.in.read() >= 0) {
      // Nothing is expected on stdin; reading only detects that the parent closed it.
    }
  }
}
