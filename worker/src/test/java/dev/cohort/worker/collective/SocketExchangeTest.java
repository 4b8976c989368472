package dev.cohort.worker.collective;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cohort.cluster.HostPort;
import dev.cohort.placement.WorkerId;
import dev.cohort.tensor.DType;
import dev.cohort.wire.TensorPayload;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Two socket exchanges in one JVM on 127.0.0.1, and a rogue peer writing bytes by hand. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SocketExchangeTest {
  private static final String HOST = "127.0.0.1";
  private static final WorkerId W0 = new WorkerId("w0");
  private static final WorkerId W1 = new WorkerId("w1");
  /** Sorts before w1, so w1 accepts its connection as it would a real peer's. */
  private static final WorkerId ROGUE = new WorkerId("w-rogue");
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final int MIB = 1 << 20;

  private final SocketExchange w0 = SocketExchange.open(W0, HOST, 0, DataSockets.plain());
  private final SocketExchange w1 = SocketExchange.open(W1, HOST, 0, DataSockets.plain());

  SocketExchangeTest() {
    Map<WorkerId, String> addresses = Map.of(W0, w0.dataAddress(), W1, w1.dataAddress());
    w0.connect(addresses);
    w1.connect(addresses);
  }

  @AfterEach
  void close() {
    w0.close();
    w1.close();
  }

  @Test
  void tensorsArriveWithExactlyTheirBytesShapeAndTypeInBothDirections() {
    TensorPayload large = randomF32(7, 3 * MIB + 1, 1);
    TensorPayload small = randomF32(8, 2, 3, 5);
    w0.send(W1, key("act", 0, W0), large);
    w1.send(W0, key("grad", 0, W1), small);

    assertEquals(large, w1.receive(key("act", 0, W0), WAIT));
    assertEquals(small, w0.receive(key("grad", 0, W1), WAIT));
  }

  @Test
  void interleavedKeysAreMatchedWhateverOrderTheyAreAwaitedIn() {
    List<TensorPayload> sent = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      TensorPayload payload = i % 3 == 0 ? longs(i, i + 1) : randomF32(i, 1 + i * 1000);
      sent.add(payload);
      w0.send(W1, key(i % 2 == 0 ? "ring/dp" : "ep-x", i, W0), payload);
    }
    for (int i = sent.size() - 1; i >= 0; i--) {
      assertEquals(sent.get(i), w1.receive(key(i % 2 == 0 ? "ring/dp" : "ep-x", i, W0), WAIT), "tensor " + i);
    }
  }

  @Test
  void aTensorSentToItselfIsDelivered() {
    w0.send(W0, key("ep-x", 3, W0), longs(5));
    assertEquals(longs(5), w0.receive(key("ep-x", 3, W0), WAIT));
  }

  @Test
  void aReceiveWithNothingSentTimesOutNamingTheKey() {
    ExchangeTimeout timeout = assertThrows(ExchangeTimeout.class,
        () -> w1.receive(key("act", 4, W0), Duration.ofMillis(200)));
    assertTrue(timeout.getMessage().contains("act[4]") && timeout.getMessage().contains("w0"), timeout.getMessage());
  }

  @Test
  void anOversizedFrameClosesOnlyThatConnectionAndTheReceiverGoesOnWorking() throws IOException {
    try (Socket rogue = new Socket(HOST, HostPort.parse(w1.dataAddress()).port())) {
      DataOutputStream out = new DataOutputStream(rogue.getOutputStream());
      hello(out, ROGUE);
      frameHeader(out, ROGUE, new long[] {1L << 40}, 4L << 40); // 4 TiB of floats: must not be allocated
      out.flush();
      assertClosedByPeer(rogue);
    }
    w0.send(W1, key("act", 1, W0), longs(1, 2, 3));
    assertEquals(longs(1, 2, 3), w1.receive(key("act", 1, W0), WAIT));
  }

  @Test
  void aFrameWhoseLengthDisagreesWithItsShapeOrSenderIsRefused() throws IOException {
    try (Socket liar = new Socket(HOST, HostPort.parse(w1.dataAddress()).port())) {
      DataOutputStream out = new DataOutputStream(liar.getOutputStream());
      hello(out, ROGUE);
      frameHeader(out, ROGUE, new long[] {4}, 1000);
      out.flush();
      assertClosedByPeer(liar);
    }
    try (Socket spoofer = new Socket(HOST, HostPort.parse(w1.dataAddress()).port())) {
      DataOutputStream out = new DataOutputStream(spoofer.getOutputStream());
      hello(out, new WorkerId("w-spoof"));
      frameHeader(out, W0, new long[] {1}, Float.BYTES); // claims to be w0 on another worker's connection
      out.writeFloat(1f);
      out.flush();
      assertClosedByPeer(spoofer);
    }
    assertThrows(ExchangeTimeout.class, () -> w1.receive(key("act", 0, W0), Duration.ofMillis(200)));
  }

  @Test
  void aConnectionThatIsNotADataPlaneIsRefused() throws IOException {
    try (Socket http = new Socket(HOST, HostPort.parse(w1.dataAddress()).port())) {
      http.getOutputStream().write("GET / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      assertClosedByPeer(http);
    }
    w0.send(W1, key("act", 2, W0), longs(9));
    assertEquals(longs(9), w1.receive(key("act", 2, W0), WAIT));
  }

  @Test
  void aSendThatCouldNeverArriveFailsAtOnce() {
    IllegalArgumentException spoofed = assertThrows(IllegalArgumentException.class,
        () -> w0.send(W1, key("act", 0, W1), longs(1)));
    assertTrue(spoofed.getMessage().contains("w1"), spoofed.getMessage());
    IllegalStateException unknown = assertThrows(IllegalStateException.class,
        () -> w0.send(new WorkerId("w7"), key("act", 0, W0), longs(1)));
    assertTrue(unknown.getMessage().contains("no data address for w7"), unknown.getMessage());
  }

  @Test
  void aPeerThatCannotBeReachedMakesLaterSendsFailNamingIt() throws IOException, InterruptedException {
    int deadPort;
    try (ServerSocket probe = new ServerSocket(0)) {
      deadPort = probe.getLocalPort(); // free once closed: connections are refused
    }
    WorkerId gone = new WorkerId("w9");
    w1.connect(Map.of(gone, HOST + ":" + deadPort));
    long deadline = System.nanoTime() + WAIT.toNanos();
    PeerUnreachable error = null;
    while (error == null && System.nanoTime() < deadline) {
      try {
        w1.send(gone, key("act", 0, W1), longs(1));
        Thread.sleep(10);
      } catch (PeerUnreachable e) {
        error = e;
      }
    }
    assertTrue(error != null && error.getMessage().contains("w9") && error.getMessage().contains("connect"),
        String.valueOf(error));
  }

  @Test
  void closingEndsEveryDataThread() throws InterruptedException {
    w0.send(W1, key("act", 0, W0), longs(1));
    assertEquals(longs(1), w1.receive(key("act", 0, W0), WAIT));
    w0.close();
    w1.close();
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!dataThreads().isEmpty() && System.nanoTime() < deadline) Thread.sleep(20);
    assertEquals(List.of(), dataThreads());
  }

  private static List<String> dataThreads() {
    return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
        .filter(name -> name.startsWith("cohort-data")).toList();
  }

  private static void assertClosedByPeer(Socket socket) throws IOException {
    socket.setSoTimeout((int) WAIT.toMillis());
    InputStream in = socket.getInputStream();
    assertEquals(-1, in.read(), "the exchange closes a connection that sent a malformed frame");
  }

  private static void hello(DataOutputStream out, WorkerId id) throws IOException {
    out.writeInt(0x43_48_4c_4f);
    out.writeInt(1);
    name(out, id.value());
  }

  /** A frame header as TensorFrames writes it, for an F32 tensor of {@code shape}, announcing {@code length}. */
  private static void frameHeader(DataOutputStream out, WorkerId from, long[] shape, long length) throws IOException {
    out.writeInt(0x43_54_46_52);
    out.writeLong(1);
    out.writeLong(0);
    name(out, "act");
    out.writeInt(0);
    name(out, from.value());
    out.writeByte(DType.F32.wireCode());
    out.writeByte(shape.length);
    for (long dim : shape) out.writeLong(dim);
    out.writeLong(length);
  }

  private static void name(DataOutputStream out, String name) throws IOException {
    byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
    out.writeShort(bytes.length);
    out.write(bytes);
  }

  private static TensorKey key(String kind, int index, WorkerId from) {
    return new TensorKey(1, 0, kind, index, from.value());
  }

  private static TensorPayload randomF32(long seed, long... shape) {
    long elements = 1;
    for (long dim : shape) elements *= dim;
    byte[] data = new byte[(int) elements * Float.BYTES];
    new Random(seed).nextBytes(data);
    return new TensorPayload(DType.F32, shape, data);
  }

  private static TensorPayload longs(long... values) {
    ByteBuffer bytes = ByteBuffer.allocate(values.length * Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    for (long v : values) bytes.putLong(v);
    return new TensorPayload(DType.I64, new long[] {values.length}, bytes.array());
  }
}
