package dev.cohort.worker.collective;

import dev.cohort.cluster.HostPort;
import dev.cohort.placement.WorkerId;
import dev.cohort.wire.WireFormatException;
import dev.cohort.worker.collective.TensorFrames.Frame;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one connection between this worker and one peer, used in both directions. Sends queue their frame and return;
 * the link's writer thread writes the frames in order (one writer per socket keeps frames whole and lets the
 * engine compute while a tensor is on the wire). Its reader thread delivers every frame that arrives into the
 * worker's mailbox. A link that fails stays down and says why to every later send: the step fails with that
 * reason instead of waiting out its timeout.
 */
final class PeerLink {
  private static final Logger LOG = LoggerFactory.getLogger(PeerLink.class);

  /** Stream buffers: headers and small tensors coalesce into one write; large payloads bypass them. */
  private static final int STREAM_BUFFER_BYTES = 64 << 10;
  /** The peer's socket is bound before it reports Ready, so a connection is refused or made at once. */
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration JOIN_TIMEOUT = Duration.ofSeconds(2);
  /** Tells the writer thread to stop; compared by identity. */
  private static final Outgoing CLOSE = new Outgoing(new byte[0], new byte[0]);

  private record Outgoing(byte[] header, byte[] payload) {}

  private final WorkerId self;
  private final WorkerId peer;
  private final Mailbox inbox;
  private final BlockingQueue<Outgoing> outbox = new LinkedBlockingQueue<>();
  private final List<Thread> threads = new CopyOnWriteArrayList<>();
  private final AtomicBoolean started = new AtomicBoolean();
  private volatile Socket socket;
  private volatile String failure;
  private volatile boolean closing;

  PeerLink(WorkerId self, WorkerId peer, Mailbox inbox) {
    this.self = self;
    this.peer = peer;
    this.inbox = inbox;
  }

  /** Queues a frame for the writer thread, which may not be connected yet. */
  void send(byte[] header, byte[] payload) {
    String down = failure;
    if (down != null) throw new PeerUnreachable(peer, down);
    outbox.add(new Outgoing(header, payload));
  }

  /** Connects to the peer on a new writer thread, which then writes the queued frames. Only the first call dials. */
  void dial(HostPort address, DataSockets sockets, int bufferBytes) {
    if (!started.compareAndSet(false, true)) return;
    start("cohort-data-write-" + peer.value(), () -> {
      try {
        Socket s = connect(address, sockets, bufferBytes);
        if (!attach(s)) return;
        DataOutputStream out = output(s);
        TensorFrames.writeHello(out, self);
        out.flush();
        DataInputStream in = input(s);
        start("cohort-data-read-" + peer.value(), () -> readLoop(in));
        writeLoop(out);
      } catch (IOException e) {
        down("cannot connect to " + address + ": " + e);
      }
    });
  }

  private static Socket connect(HostPort address, DataSockets sockets, int bufferBytes) throws IOException {
    Socket s = sockets.clients().createSocket();
    try {
      SocketExchange.configure(s, bufferBytes);
      s.connect(new InetSocketAddress(address.host(), address.port()), (int) CONNECT_TIMEOUT.toMillis());
      return s;
    } catch (IOException e) {
      s.close();
      throw e;
    }
  }

  /**
   * Takes the connection the peer dialled, whose hello the calling thread has read from {@code in}; that thread goes
   * on as the reader until the connection ends.
   *
   * @return false, leaving the socket to the caller, if this link already had a connection
   */
  boolean accept(Socket accepted, DataInputStream in) {
    if (!started.compareAndSet(false, true)) return false;
    threads.add(Thread.currentThread());
    try {
      if (!attach(accepted)) return true;
      DataOutputStream out = output(accepted);
      start("cohort-data-write-" + peer.value(), () -> writeLoop(out));
    } catch (IOException e) {
      down("cannot use the accepted connection: " + e);
      return true;
    }
    readLoop(in);
    return true;
  }

  private void writeLoop(DataOutputStream out) {
    try {
      for (Outgoing next = outbox.take(); next != CLOSE; next = outbox.take()) {
        out.write(next.header());
        out.write(next.payload());
        if (outbox.isEmpty()) out.flush(); // a burst of small frames leaves in few packets
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException e) {
      down("sending failed: " + e);
    }
  }

  private void readLoop(DataInputStream in) {
    try {
      while (true) {
        Frame frame = TensorFrames.readFrame(in, peer);
        inbox.deliver(frame.key(), frame.payload());
      }
    } catch (EOFException e) {
      expectedDown("closed by " + peer); // the peer's run ended, or its process did
    } catch (WireFormatException e) {
      down("malformed frame from " + peer + ": " + e.getMessage());
    } catch (IOException e) {
      down("receiving failed: " + e);
    }
  }

  /** Makes {@code s} this link's socket, unless the link went down meanwhile (closed while dialling). */
  private synchronized boolean attach(Socket s) throws IOException {
    if (failure != null) {
      s.close();
      return false;
    }
    socket = s;
    return true;
  }

  /** Marks the link failed, logs why once, and closes the socket (which ends the other thread too). */
  private void down(String reason) {
    if (goDown(reason) && !closing) LOG.warn("closing data connection with {}: {}", peer, reason);
  }

  private void expectedDown(String reason) {
    if (goDown(reason) && !closing) LOG.info("data connection with {} {}", peer, reason);
  }

  /** @return whether this call took the link down (the first reason is the one kept) */
  private synchronized boolean goDown(String reason) {
    if (failure != null) return false;
    failure = reason;
    closeSocket();
    outbox.add(CLOSE);
    return true;
  }

  /** Closes the connection and waits briefly for its threads; frames still queued are dropped. */
  void close() {
    closing = true;
    down("the exchange is closed");
    for (Thread thread : threads) {
      thread.interrupt();
      try {
        thread.join(JOIN_TIMEOUT.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private void closeSocket() {
    Socket s = socket;
    if (s == null) return;
    try {
      s.close();
    } catch (IOException e) {
      LOG.debug("closing the data socket with {} failed: {}", peer, e.toString());
    }
  }

  private void start(String name, Runnable body) {
    Thread thread = new Thread(body, name);
    thread.setDaemon(true);
    threads.add(thread);
    thread.start();
  }

  private static DataOutputStream output(Socket s) throws IOException {
    return new DataOutputStream(new BufferedOutputStream(s.getOutputStream(), STREAM_BUFFER_BYTES));
  }

  static DataInputStream input(Socket s) throws IOException {
    return new DataInputStream(new BufferedInputStream(s.getInputStream(), STREAM_BUFFER_BYTES));
  }
}
