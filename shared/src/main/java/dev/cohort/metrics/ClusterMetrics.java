package dev.cohort.metrics;

import io.prometheus.metrics.core.metrics.Counter;
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

/**
 * The cluster as this node sees it: members by status and how many are unreachable, read at scrape time; and, on
 * the coordinator, the deadlines workers missed and the workers the run lost, by reason.
 */
public final class ClusterMetrics {
  /** Why the coordinator gave up on a worker: gone from the cluster (crashed, unreachable, left) or too slow. */
  public static final String UNREACHABLE = "unreachable";
  public static final String STRAGGLER = "straggler";
  public static final List<String> LOSS_REASONS = List.of(UNREACHABLE, STRAGGLER);
  private static final AtomicReference<ActorSystem<?>> SYSTEM = new AtomicReference<>();
  private static final Counter STRAGGLER_MISSES = Counter.builder().name("cohort_cluster_straggler_misses_total")
      .help("Step deadlines (cluster.straggler-seconds) a worker missed while computing, by worker")
      .labelNames("worker").register();
  private static final Counter WORKERS_LOST = Counter.builder().name("cohort_cluster_workers_lost_total")
      .help("Workers the coordinator stopped placing, by reason (unreachable, straggler)")
      .labelNames("reason").register();

  static {
    LOSS_REASONS.forEach(WORKERS_LOST::initLabelValues); // exported at zero before the first loss
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

  /** Exports the workers of a new placement at zero misses, so a graph of them starts before their first miss. */
  public static void placed(List<String> workers) {
    workers.forEach(STRAGGLER_MISSES::initLabelValues);
  }

  /** {@code worker} missed a step deadline. */
  public static void stragglerMissed(String worker) {
    STRAGGLER_MISSES.labelValues(worker).inc();
  }

  /** The run lost a worker for {@code reason}, one of {@link #LOSS_REASONS}. */
  public static void workerLost(String reason) {
    if (!LOSS_REASONS.contains(reason)) throw new IllegalArgumentException("unknown worker loss reason " + reason);
    WORKERS_LOST.labelValues(reason).inc();
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
