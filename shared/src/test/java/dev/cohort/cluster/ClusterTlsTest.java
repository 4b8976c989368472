package dev.cohort.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.cohort.config.TlsConfig;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.typed.Cluster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nodes on 127.0.0.1 with Artery over TLS and certificates made by keytool: only a node whose own certificate is
 * signed by the cluster's CA becomes a member. The intruder trusts the cluster's CA, so it is the coordinator's
 * demand for a client certificate (mutual authentication) that keeps it out.
 */
class ClusterTlsTest {
  private static final Duration JOIN_WITHIN = Duration.ofSeconds(40);
  /** A refused node gives up joining after this and terminates; Pekko retries the seed every second until then. */
  private static final Duration REFUSED_JOIN_TIMEOUT = Duration.ofSeconds(8);
  private static final Duration TERMINATE_WITHIN = REFUSED_JOIN_TIMEOUT.plus(JOIN_WITHIN);
  private static final int SOCKET_TIMEOUT_MS = 10_000;
  private static final HostPort ANY_LOOPBACK_PORT = new HostPort("127.0.0.1", 0);

  @TempDir static Path dir;
  private static TlsConfig coordinatorTls;
  private static TlsConfig workerTls;
  private static TlsConfig intruderTls;

  private final List<ClusterNode<Void>> nodes = new ArrayList<>();

  @BeforeAll
  static void makeCertificates() throws IOException {
    TestCertificates certificates = new TestCertificates(dir);
    certificates.ca("cluster-ca");
    certificates.ca("other-ca");
    Path trustStore = certificates.trustStore("truststore", "cluster-ca");
    coordinatorTls = certificates.tls(certificates.node("coordinator", "cluster-ca"), trustStore);
    workerTls = certificates.tls(certificates.node("worker", "cluster-ca"), trustStore);
    intruderTls = certificates.tls(certificates.node("intruder", "other-ca"), trustStore);
  }

  /** Workers first, all at once: a worker left behind by a stopped coordinator waits out its leave timeouts. */
  @AfterEach
  void stopNodes() {
    List<ClusterNode<Void>> workersFirst = new ArrayList<>(nodes);
    Collections.reverse(workersFirst);
    workersFirst.forEach(ClusterNode::terminate);
    workersFirst.forEach(ClusterNode::close);
  }

  private ClusterNode<Void> start(NodeSpec spec) {
    ClusterNode<Void> node = ClusterNode.start(spec, Behaviors.empty());
    nodes.add(node);
    return node;
  }

  private ClusterNode<Void> worker(HostPort coordinator, Duration joinTimeout, TlsConfig tls) {
    return start(new NodeSpec(NodeRole.WORKER, ANY_LOOPBACK_PORT, coordinator, joinTimeout, tls));
  }

  @Test
  void onlyANodeWithACertificateFromTheClusterCaJoins() throws Exception {
    ClusterNode<Void> coordinator =
        start(new NodeSpec(NodeRole.COORDINATOR, ANY_LOOPBACK_PORT, null, JOIN_WITHIN, coordinatorTls));
    coordinator.up().toCompletableFuture().get(JOIN_WITHIN.toSeconds(), TimeUnit.SECONDS);
    HostPort seed = coordinator.hostPort();

    ClusterNode<Void> intruder = worker(seed, REFUSED_JOIN_TIMEOUT, intruderTls);
    ClusterNode<Void> plaintext = worker(seed, REFUSED_JOIN_TIMEOUT, new TlsConfig(false, "", "", "", ""));
    ClusterNode<Void> member = worker(seed, JOIN_WITHIN, workerTls);

    member.up().toCompletableFuture().get(JOIN_WITHIN.toSeconds(), TimeUnit.SECONDS);
    for (ClusterNode<Void> refused : List.of(intruder, plaintext)) {
      refused.system().getWhenTerminated().toCompletableFuture().get(TERMINATE_WITHIN.toSeconds(), TimeUnit.SECONDS);
      assertFalse(refused.isUp(), refused.address() + " became a member");
    }
    assertEquals(Set.of(coordinator.address(), member.address()), members(coordinator));
  }

  private static Set<Address> members(ClusterNode<Void> node) {
    return StreamSupport.stream(Cluster.get(node.system()).state().getMembers().spliterator(), false)
        .map(Member::address)
        .collect(Collectors.toSet());
  }

  /** The SSLContext for sockets other than Artery's, with client certificates demanded as Artery does. */
  @Test
  void tlsContextFromTheSameStoresAcceptsAClusterPeerAndRefusesAForeignOne() throws Exception {
    try (SSLServerSocket server = (SSLServerSocket) TlsContexts.fromConfig(coordinatorTls).getServerSocketFactory()
        .createServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      server.setNeedClientAuth(true);
      server.setSoTimeout(SOCKET_TIMEOUT_MS);
      CompletableFuture<Void> accepting = CompletableFuture.runAsync(() -> echoOnce(server));
      assertEquals(42, exchangeByte(workerTls, server.getLocalPort()));

      accepting.get(SOCKET_TIMEOUT_MS, TimeUnit.MILLISECONDS);

      CompletableFuture<Void> refusing = CompletableFuture.runAsync(() -> echoOnce(server));
      // Under TLSv1.3 the client learns of the refusal as an alert or a closed connection, whichever comes first.
      assertThrows(IOException.class, () -> exchangeByte(intruderTls, server.getLocalPort()));
      ExecutionException refused = assertThrows(ExecutionException.class,
          () -> refusing.get(SOCKET_TIMEOUT_MS, TimeUnit.MILLISECONDS));
      // The server names only the cluster's CA as acceptable, so the intruder's key manager offers no certificate
      // at all ("Empty client certificate chain"); one forced on the server would fail its certification path.
      assertInstanceOf(SSLHandshakeException.class, refused.getCause().getCause());
    }
  }

  private static int exchangeByte(TlsConfig tls, int port) throws IOException {
    try (SSLSocket socket = (SSLSocket) TlsContexts.fromConfig(tls).getSocketFactory()
        .createSocket(InetAddress.getLoopbackAddress(), port)) {
      socket.setSoTimeout(SOCKET_TIMEOUT_MS);
      socket.getOutputStream().write(42);
      socket.getOutputStream().flush();
      return socket.getInputStream().read();
    }
  }

  private static void echoOnce(SSLServerSocket server) {
    try (var socket = server.accept()) {
      socket.getOutputStream().write(socket.getInputStream().read());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
