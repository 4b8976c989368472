package dev.cohort.metrics;

import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.typed.Cluster;

/** The cluster as this node sees it: members by status and how many are unreachable, read at scrape time. */
public final class ClusterMetrics {
  private static final AtomicReference<ActorSystem<?>> SYSTEM = new AtomicReference<>();

  static {
    GaugeWithCallback.builder().name("cohort_cluster_members").help("Cluster members by status, as this node sees")
        .labelNames("status")
        .callback(cb -> membersByStatus().forEach((status, count) -> cb.call(count, status)))
        .register();
    GaugeWithCallback.builder().name("cohort_cluster_unreachable_members")
        .help("Members this node's failure detector considers unreachable")
        .callback(cb -> {
          ActorSystem<?> system = SYSTEM.get();
          if (system != null) cb.call(Cluster.get(system).state().getUnreachable().size());
        })
        .register();
  }

  private ClusterMetrics() {}

  /** Reports the cluster of {@code system} from now on (one node per process; the last one started wins). */
  public static void watch(ActorSystem<?> system) {
    SYSTEM.set(system);
  }

  /** Every member: address, status and roles, for /status. */
  public static List<Map<String, Object>> members() {
    List<Map<String, Object>> members = new ArrayList<>();
    ActorSystem<?> system = SYSTEM.get();
    if (system == null) return members;
    for (Member member : Cluster.get(system).state().getMembers()) {
      members.add(Map.of("address", member.address().toString(), "status", statusOf(member),
          "roles", List.copyOf(member.getRoles())));
    }
    return members;
  }

  private static String statusOf(Member member) {
    return member.status().toString().toLowerCase(Locale.ROOT);
  }

  /** Member counts by lower-case status (up, joining, leaving, ...). */
  public static Map<String, Integer> membersByStatus() {
    Map<String, Integer> counts = new TreeMap<>();
    ActorSystem<?> system = SYSTEM.get();
    if (system == null) return counts;
    for (Member member : Cluster.get(system).state().getMembers()) {
      counts.merge(statusOf(member), 1, Integer::sum);
    }
    return counts;
  }
}
