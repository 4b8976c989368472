package dev.cohort.worker.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/**
 * The baseline: a plain loopback TCP stream. The sender writes an 8-byte length, then the tensors back to back;
 * the sink reads and discards them and answers with the 8-byte count it read. No framing, no serialization: the
 * most a socket between two JVMs moves here.
 */
final class RawTcp {
  private RawTcp() {}

  /** The sink reads into one direct buffer of this size (a socket read rarely returns more). */
  private static final int SINK_BUFFER_BYTES = 1 << 20;

  static InetAddress loopback() {
    return InetAddress.getLoopbackAddress();
  }

  /** Sends {@code tensors} copies of {@code payload} to the sink at {@code port} and waits for its count. */
  static Measurement send(int port, byte[] payload, long tensors) throws IOException {
    try (SocketChannel channel = SocketChannel.open(new InetSocketAddress(loopback(), port))) {
      long total = tensors * payload.length;
      long start = System.nanoTime();
      writeFully(channel, ByteBuffer.allocate(Long.BYTES).putLong(0, total));
      for (long i = 0; i < tensors; i++) writeFully(channel, ByteBuffer.wrap(payload));
      long acked = readLong(channel);
      return new Measurement(total, acked, System.nanoTime() - start);
    }
  }

  private static void writeFully(SocketChannel channel, ByteBuffer buffer) throws IOException {
    while (buffer.hasRemaining()) channel.write(buffer);
  }

  private static long readLong(SocketChannel channel) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate(Long.BYTES);
    while (buffer.hasRemaining()) {
      if (channel.read(buffer) < 0) throw new IOException("raw TCP peer closed the connection before its count");
    }
    return buffer.getLong(0);
  }

  /** Serves one sender at a time on a daemon thread until closed. */
  static final class Sink implements AutoCloseable {
    private final ServerSocketChannel server;
    private final Thread acceptor;

    Sink() throws IOException {
      server = ServerSocketChannel.open().bind(new InetSocketAddress(loopback(), 0));
      acceptor = new Thread(this::serve, "raw-tcp-sink");
      acceptor.setDaemon(true);
      acceptor.start();
    }

    int port() {
      return server.socket().getLocalPort();
    }

    private void serve() {
      ByteBuffer buffer = ByteBuffer.allocateDirect(SINK_BUFFER_BYTES);
      while (server.isOpen()) {
        try (SocketChannel channel = server.accept()) {
          drain(channel, buffer);
        } catch (IOException e) {
          if (server.isOpen()) throw new UncheckedIOException("raw TCP sink failed", e);
        }
      }
    }

    /** Reads the announced byte count (or until the sender closes) and answers with what it actually read. */
    private static void drain(SocketChannel channel, ByteBuffer buffer) throws IOException {
      long expected = readLong(channel);
      long read = 0;
      while (read < expected) {
        buffer.clear().limit((int) Math.min(buffer.capacity(), expected - read));
        int n = channel.read(buffer);
        if (n < 0) break;
        read += n;
      }
      writeFully(channel, ByteBuffer.allocate(Long.BYTES).putLong(0, read));
    }

    @Override
    public void close() throws IOException {
      server.close();
    }
  }
}
