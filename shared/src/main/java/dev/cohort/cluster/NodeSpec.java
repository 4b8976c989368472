package dev.cohort.cluster;

import dev.cohort.config.ClusterConfig;
import dev.cohort.config.TlsConfig;
import java.time.Duration;

/**
 * What a node needs to know before it starts.
 *
 * @param role the coordinator founds the cluster by joining itself; a worker joins the coordinator
 * @param bind the endpoint this node binds and advertises (port 0: any free port)
 * @param coordinator the endpoint a worker or a standby coordinator joins; null for the coordinator that founds the
 *     cluster
 * @param joinTimeout a worker that has not joined within this time shuts itself down
 * @param tls whether Artery runs over TLS, and the node's key and trust stores
 */
public record NodeSpec(NodeRole role, HostPort bind, HostPort coordinator, Duration joinTimeout, TlsConfig tls) {
  public NodeSpec {
    if (tls == null) throw new IllegalArgumentException("a node needs its TLS settings (enabled or not)");
    if (role == NodeRole.WORKER && coordinator == null) {
      throw new IllegalArgumentException("a worker needs the coordinator's address");
    }
  }

  public static NodeSpec coordinator(ClusterConfig cluster) {
    return new NodeSpec(NodeRole.COORDINATOR, new HostPort(cluster.host(), cluster.coordinatorPort()), null,
        Duration.ofSeconds(cluster.joinTimeoutSeconds()), cluster.tls());
  }

  /**
   * A second coordinator-role node joining the cluster at {@code primary}: it runs the coordinator singleton once the
   * primary is gone.
   */
  public static NodeSpec standby(ClusterConfig cluster, HostPort primary) {
    return new NodeSpec(NodeRole.COORDINATOR, new HostPort(cluster.host(), 0), primary,
        Duration.ofSeconds(cluster.joinTimeoutSeconds()), cluster.tls());
  }

  public static NodeSpec worker(ClusterConfig cluster, HostPort bind, HostPort coordinator) {
    return new NodeSpec(NodeRole.WORKER, bind, coordinator, Duration.ofSeconds(cluster.joinTimeoutSeconds()),
        cluster.tls());
  }
}
