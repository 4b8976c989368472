package dev.cohort.worker.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The benchmark's peer JVM ({@link TransportPeer}), started with this JVM's class path. It announces where its
 * receiver and raw sink listen on its first "READY" line; every other line it prints is passed on to stderr.
 * {@link #close} ends it by its PID: stdin closed (it exits by itself), then SIGTERM, then SIGKILL.
 */
final class PeerProcess implements AutoCloseable {
  /** Starting a JVM and an actor system on a loaded 2-core machine takes a few seconds. */
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration EXIT_GRACE = Duration.ofSeconds(10);
  private static final String READY = "READY ";
  private static final int READY_FIELDS = 4;
  /** Heap for in-flight and reassembling tensors; the default (a quarter of RAM) would be fine but is greedy. */
  private static final String PEER_HEAP = "-Xmx2g";

  private final Process process;
  private final String receiverPath;
  private final int rawPort;
  private final String dataAddress;

  private PeerProcess(Process process, String receiverPath, int rawPort, String dataAddress) {
    this.process = process;
    this.receiverPath = receiverPath;
    this.rawPort = rawPort;
    this.dataAddress = dataAddress;
  }

  static PeerProcess start() throws IOException, InterruptedException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command = List.of(java, PEER_HEAP, "-cp", ChildClasspath.current(), TransportPeer.class.getName(),
        Long.toString(ProcessHandle.current().pid()));
    Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    try {
      String[] ready = awaitReady(process).split(" ");
      return new PeerProcess(process, ready[1], Integer.parseInt(ready[2]), ready[3]);
    } catch (IOException | InterruptedException | RuntimeException e) {
      end(process);
      throw e;
    }
  }

  /**
   * Reads the peer's stdout on a daemon thread until "READY receiverPath rawPort dataAddress"; forwards the rest to
   * stderr.
   */
  private static String awaitReady(Process process) throws IOException, InterruptedException {
    CompletableFuture<String> ready = new CompletableFuture<>();
    Thread reader = new Thread(() -> forwardOutput(process, ready), "transport-peer-output");
    reader.setDaemon(true);
    reader.start();
    try {
      return ready.get(READY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new IOException("transport peer (pid " + process.pid() + ") not ready within " + READY_TIMEOUT, e);
    } catch (ExecutionException e) {
      throw new IOException(e.getCause().getMessage(), e.getCause());
    }
  }

  private static void forwardOutput(Process process, CompletableFuture<String> ready) {
    try (BufferedReader out = new BufferedReader(
        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line = out.readLine(); line != null; line = out.readLine()) {
        if (!ready.isDone() && line.startsWith(READY) && line.split(" ").length == READY_FIELDS) ready.complete(line);
        else System.err.println("[transport-peer] " + line);
      }
    } catch (IOException e) {
      ready.completeExceptionally(e);
    }
    ready.completeExceptionally(new IOException("transport peer (pid " + process.pid()
        + ") closed its output before it was ready"));
  }

  String receiverPath() {
    return receiverPath;
  }

  int rawPort() {
    return rawPort;
  }

  /** Where the peer's {@link SocketPath} exchange listens. */
  String dataAddress() {
    return dataAddress;
  }

  long pid() {
    return process.pid();
  }

  @Override
  public void close() throws InterruptedException {
    end(process);
  }

  private static void end(Process process) throws InterruptedException {
    try {
      process.getOutputStream().close();
    } catch (IOException e) {
      // The pipe is already gone: the peer has exited or is exiting, which the waits below confirm.
    }
    if (process.waitFor(EXIT_GRACE.toMillis(), TimeUnit.MILLISECONDS)) return;
    process.destroy();
    if (process.waitFor(EXIT_GRACE.toMillis(), TimeUnit.MILLISECONDS)) return;
    process.destroyForcibly().waitFor(EXIT_GRACE.toMillis(), TimeUnit.MILLISECONDS);
  }
}
