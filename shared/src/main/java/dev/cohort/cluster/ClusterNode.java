package dev.cohort.cluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.cohort.config.TlsConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;

/**
 * One Cohort process in the Pekko Cluster: an actor system named {@value #SYSTEM_NAME} running cohort-pekko.conf,
 * bound to the node's endpoint, carrying its role, and joining the cluster (a worker through the coordinator, the
 * coordinator by founding it).
 */
public final class ClusterNode<T> implements AutoCloseable {
  public static final String SYSTEM_NAME = "cohort";

  /** Shared Pekko settings of every node (transport, serialization, failure detection, downing). */
  static final String PEKKO_SETTINGS = "cohort-pekko.conf";

  /** Pekko's SSLEngine factory that reads the key and trust stores named under ssl.config-ssl-engine. */
  static final String CONFIG_SSL_ENGINE_PROVIDER = "org.apache.pekko.remote.artery.tcp.ConfigSSLEngineProvider";

  /** How long {@link #close()} waits for coordinated shutdown (leaving the cluster) to finish. */
  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);

  private final ActorSystem<T> system;
  private final CompletableFuture<Void> up = new CompletableFuture<>();

  private ClusterNode(ActorSystem<T> system) {
    this.system = system;
    org.apache.pekko.cluster.Cluster.get(Adapter.toClassic(system)).registerOnMemberUp(() -> up.complete(null));
  }

  /**
   * Starts the node with {@code guardian} as its root actor and begins joining; returns without waiting. With TLS
   * on, the key and trust stores are opened first, so a missing file or wrong password fails here naming the key
   * rather than at the first connection.
   */
  public static <T> ClusterNode<T> start(NodeSpec spec, Behavior<T> guardian) {
    if (spec.tls().enabled()) TlsContexts.fromConfig(spec.tls());
    ClusterNode<T> node = new ClusterNode<>(ActorSystem.create(guardian, SYSTEM_NAME, pekkoConfig(spec)));
    if (spec.role() == NodeRole.COORDINATOR && spec.coordinator() == null) {
      // Joining itself founds the cluster at once; a seed-nodes entry could not name a port that is only known
      // after binding (port 0).
      Cluster cluster = Cluster.get(node.system);
      cluster.manager().tell(Join.create(cluster.selfMember().address()));
    }
    return node;
  }

  /** The node's Pekko settings: cohort-pekko.conf with this node's endpoint, role and seed. */
  static Config pekkoConfig(NodeSpec spec) {
    Map<String, Object> node = new HashMap<>();
    node.put("pekko.remote.artery.canonical.hostname", spec.bind().host());
    node.put("pekko.remote.artery.canonical.port", spec.bind().port());
    node.put("pekko.cluster.roles", List.of(spec.role().roleName()));
    if (spec.coordinator() != null) {
      node.put("pekko.cluster.seed-nodes", List.of(spec.coordinator().pekkoAddress()));
      node.put("pekko.cluster.shutdown-after-unsuccessful-join-seed-nodes", spec.joinTimeout().toMillis() + "ms");
    }
    if (spec.tls().enabled()) node.putAll(tlsSettings(spec.tls()));
    return ConfigFactory.parseMap(node).withFallback(ConfigFactory.parseResources(PEKKO_SETTINGS)).resolve();
  }

  /**
   * Artery over TLS through Pekko's ConfigSSLEngineProvider: both sides of every connection present a certificate
   * and check the other's against the trust store. Hostname verification stays off: membership is proven by a
   * certificate signed by the cluster's own CA, and nodes are addressed by IP.
   */
  private static Map<String, Object> tlsSettings(TlsConfig tls) {
    String engine = "pekko.remote.artery.ssl.config-ssl-engine.";
    String keyPassword = new String(TlsContexts.password(tls.keyStorePasswordFile(), "key-store-password-file"));
    Map<String, Object> settings = new HashMap<>();
    settings.put("pekko.remote.artery.transport", "tls-tcp");
    settings.put("pekko.remote.artery.ssl.ssl-engine-provider", CONFIG_SSL_ENGINE_PROVIDER);
    settings.put(engine + "key-store", Path.of(tls.keyStore()).toAbsolutePath().toString());
    settings.put(engine + "key-store-password", keyPassword);
    settings.put(engine + "key-password", keyPassword);
    settings.put(engine + "trust-store", Path.of(tls.trustStore()).toAbsolutePath().toString());
    settings.put(engine + "trust-store-password",
        new String(TlsContexts.password(tls.trustStorePasswordFile(), "trust-store-password-file")));
    settings.put(engine + "protocol", TlsContexts.PROTOCOL);
    settings.put(engine + "require-mutual-authentication", true);
    return settings;
  }

  public ActorSystem<T> system() {
    return system;
  }

  /** The node's address, with the port actually bound. */
  public Address address() {
    return system.address();
  }

  /** The endpoint actually bound: what workers pass to --join when this is the coordinator. */
  public HostPort hostPort() {
    Address address = address();
    return new HostPort(address.getHost().get(), (Integer) address.getPort().get());
  }

  /** Completes when this node is an Up member of the cluster; never, if it fails to join. */
  public CompletionStage<Void> up() {
    return up;
  }

  public boolean isUp() {
    return up.isDone();
  }

  /** Leaves the cluster and stops the actor system, without waiting. */
  public void terminate() {
    system.terminate();
  }

  /** Blocks until the actor system has terminated, for whatever reason (terminate, downed, failed join). */
  public void awaitTermination() {
    system.getWhenTerminated().toCompletableFuture().join();
  }

  /** Terminates and waits, bounded: for try-with-resources and test clean-up. */
  @Override
  public void close() {
    terminate();
    try {
      system.getWhenTerminated().toCompletableFuture().get(CLOSE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new IllegalStateException("node " + address() + " did not terminate within " + CLOSE_TIMEOUT, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException e) {
      throw new IllegalStateException("node " + address() + " failed while terminating", e.getCause());
    }
  }
}
