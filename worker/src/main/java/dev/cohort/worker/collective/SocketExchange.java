package dev.cohort.worker.collective;

import dev.cohort.cluster.HostPort;
import dev.cohort.placement.WorkerId;
import dev.cohort.wire.TensorPayload;
import dev.cohort.wire.WireFormatException;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import javax.net.ssl.SSLServerSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Exchange over plain TCP sockets: the data plane, as NCCL is on GPU hosts, while the control messages stay
 * on Artery. Each worker listens on its cluster host; between two workers there is one connection, dialled by the
 * one whose id sorts first (so every pair connects exactly once, whoever sends first) and used both ways. A
 * tensor travels as a small header and its raw bytes ({@link TensorFrames}), with no serialization and no
 * chunking, into the same kind of {@link Mailbox} as over Artery, so receives keep their timeouts.
 *
 * <p>Threads: one accepting, and per connection one writer (sends only queue) and one reader; none per message.
 */
public final class SocketExchange implements WorkerExchange {
  private static final Logger LOG = LoggerFactory.getLogger(SocketExchange.class);

  /**
   * Kernel send and receive buffer per socket: a few MiB keep a loopback or LAN link full while the reader copies
   * a tensor out (Linux caps it at net.core.rmem_max / wmem_max).
   */
  static final int SOCKET_BUFFER_BYTES = 4 << 20;
  /** A peer that connects must say who it is at once; a silent connection is dropped after this. */
  private static final Duration HELLO_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration JOIN_TIMEOUT = Duration.ofSeconds(2);

  private final WorkerId self;
  private final DataSockets sockets;
  private final ServerSocket server;
  private final String dataAddress;
  private final Mailbox inbox = new Mailbox();
  private final ConcurrentMap<WorkerId, PeerLink> links = new ConcurrentHashMap<>();
  private final ConcurrentMap<WorkerId, HostPort> addresses = new ConcurrentHashMap<>();
  private final Thread acceptor;
  private volatile boolean closed;

  private SocketExchange(WorkerId self, DataSockets sockets, ServerSocket server, String host) {
    this.self = self;
    this.sockets = sockets;
    this.server = server;
    this.dataAddress = new HostPort(host, server.getLocalPort()).toString();
    this.acceptor = new Thread(this::acceptLoop, "cohort-data-accept");
    acceptor.setDaemon(true);
  }

  /**
   * Binds {@code host:port} (port 0: any free one) and starts accepting peers.
   *
   * @throws UncheckedIOException naming the address when it cannot be bound
   */
  public static SocketExchange open(WorkerId self, String host, int port, DataSockets sockets) {
    try {
      ServerSocket server = sockets.servers().createServerSocket();
      server.setReceiveBufferSize(SOCKET_BUFFER_BYTES); // before bind, so accepted sockets get a large window
      if (server instanceof SSLServerSocket tls) tls.setNeedClientAuth(true);
      server.bind(new InetSocketAddress(host, port));
      SocketExchange exchange = new SocketExchange(self, sockets, server, host);
      exchange.acceptor.start();
      return exchange;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot listen for tensors on " + host + ":" + port + ": " + e.getMessage(), e);
    }
  }

  @Override
  public WorkerId self() {
    return self;
  }

  @Override
  public String dataAddress() {
    return dataAddress;
  }

  /** Dials every peer whose id sorts after ours; the others dial us. */
  @Override
  public void connect(Map<WorkerId, String> dataAddresses) {
    dataAddresses.forEach((peer, address) -> {
      if (!dials(peer)) return;
      HostPort parsed = HostPort.parse(address);
      addresses.put(peer, parsed);
      link(peer).dial(parsed, sockets, SOCKET_BUFFER_BYTES);
    });
  }

  /**
   * Queues the tensor for the peer's connection and returns.
   *
   * @throws IllegalArgumentException if the key names another sender (the receiver would drop the connection)
   * @throws IllegalStateException if the connection is down, or was never given the address of a peer this
   *     worker must dial
   */
  @Override
  public void send(WorkerId to, TensorKey key, TensorPayload payload) {
    if (!key.from().equals(self.value())) {
      throw new IllegalArgumentException(self + " cannot send a tensor keyed as from " + key.from());
    }
    if (to.equals(self)) {
      inbox.deliver(key, payload);
      return;
    }
    if (dials(to) && !addresses.containsKey(to)) {
      throw new IllegalStateException("no data address for " + to + ": the exchange was not connected to it");
    }
    link(to).send(TensorFrames.header(key, payload), payload.data());
  }

  @Override
  public TensorPayload receive(TensorKey key, Duration timeout) {
    return inbox.await(key, timeout);
  }

  @Override
  public void deliver(TensorKey key, TensorPayload payload) {
    inbox.deliver(key, payload);
  }

  @Override
  public void dropBefore(long step) {
    inbox.dropBefore(step);
  }

  /** Fails every receive at once; the sockets stay open until {@link #close} (the next placement builds its own). */
  @Override
  public void abort() {
    inbox.abort();
  }

  /** Stops accepting, closes every connection and waits briefly for the threads to end. */
  @Override
  public void close() {
    closed = true;
    try {
      server.close();
    } catch (IOException e) {
      LOG.debug("closing the data socket on {} failed: {}", dataAddress, e.toString());
    }
    links.values().forEach(PeerLink::close);
    try {
      acceptor.join(JOIN_TIMEOUT.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  static void configure(Socket socket, int bufferBytes) throws SocketException {
    socket.setTcpNoDelay(true); // a header and a small tensor must not wait for an acknowledgement
    socket.setSendBufferSize(bufferBytes);
    socket.setReceiveBufferSize(bufferBytes);
  }

  private boolean dials(WorkerId peer) {
    return self.value().compareTo(peer.value()) < 0;
  }

  private PeerLink link(WorkerId peer) {
    return links.computeIfAbsent(peer, p -> new PeerLink(self, p, inbox));
  }

  private void acceptLoop() {
    while (!closed) {
      try {
        Socket socket = server.accept();
        Thread handshake = new Thread(() -> serve(socket), "cohort-data-read-" + socket.getRemoteSocketAddress());
        handshake.setDaemon(true);
        handshake.start();
      } catch (IOException e) {
        if (!closed) LOG.error("accepting data connections on {} failed: {}", dataAddress, e.toString());
        return;
      }
    }
  }

  /** Reads the hello of an accepted connection, then reads its frames on this thread until it ends. */
  private void serve(Socket socket) {
    try {
      configure(socket, SOCKET_BUFFER_BYTES);
      socket.setSoTimeout((int) HELLO_TIMEOUT.toMillis());
      DataInputStream in = PeerLink.input(socket);
      WorkerId peer = TensorFrames.readHello(in);
      if (peer.equals(self) || dials(peer)) {
        throw new WireFormatException(peer + " dialled " + self + ", but the worker whose id sorts first dials");
      }
      Thread.currentThread().setName("cohort-data-read-" + peer.value());
      socket.setSoTimeout(0);
      if (closed || !link(peer).accept(socket, in)) {
        throw new WireFormatException("a second connection from " + peer + " (or the exchange is closed)");
      }
    } catch (IOException | WireFormatException e) {
      if (!closed) LOG.warn("refused data connection from {}: {}", socket.getRemoteSocketAddress(), e.getMessage());
      try {
        socket.close();
      } catch (IOException closing) {
        LOG.debug("closing a refused data connection failed: {}", closing.toString());
      }
    }
  }
}
