package dev.cohort.cli;

import dev.cohort.cluster.ClusterNode;
import dev.cohort.cluster.NodeSpec;
import dev.cohort.config.CohortConfig;
import dev.cohort.config.MetricsConfig;
import dev.cohort.metrics.ClusterMetrics;
import dev.cohort.metrics.MetricsServer;
import dev.cohort.metrics.RunStatus;
import dev.cohort.coordinator.Coordinator;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code cohort coordinator}: the node that founds the cluster and runs the coordinator singleton. */
@Command(
    name = "coordinator",
    mixinStandardHelpOptions = true,
    description = {
      "Start the coordinator node: it founds the cluster, which workers then join (cohort worker --join HOST:PORT).",
      "Runs until stopped (Ctrl-C leaves the cluster cleanly)."
    })
public final class CoordinatorCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--config", paramLabel = "FILE", description = "Run configuration (HOCON) over the defaults.")
  Path config;

  @Option(names = "--set", paramLabel = "KEY=VALUE",
      description = "Override one setting of the cohort section, e.g. --set cluster.host=10.0.0.5 (repeatable).")
  List<String> overrides = new ArrayList<>();

  @Option(names = "--port", paramLabel = "PORT",
      description = "Port to listen on, 0 for any free one (default: cohort.cluster.coordinator-port).")
  Integer port;

  @Override
  public Integer call() {
    List<String> lines = new ArrayList<>();
    lines.addAll(overrides);
    // The last of several overrides of one key wins: --port beats a --set of the same key.
    if (port != null) lines.add("cluster.coordinator-port = " + port);
    CohortConfig cohort = CohortConfig.load(config, lines);
    ClusterNode<Void> node = ClusterNode.start(NodeSpec.coordinator(cohort.cluster()), Behaviors.empty());
    Coordinator.startSingleton(node.system());
    ClusterMetrics.watch(node.system());
    try (MetricsServer metrics = startMetrics(cohort.metrics())) {
      spec.commandLine().getOut().println("coordinator listening on " + node.hostPort()
          + "; workers join with: cohort worker --join " + node.hostPort());
      spec.commandLine().getOut().flush();
      node.awaitTermination();
    }
    return 0;
  }

  private MetricsServer startMetrics(MetricsConfig m) {
    if (!m.enabled()) return null;
    MetricsServer server = MetricsServer.start(m.host(), m.port(), CohortConfig.ROOT + ".metrics.port",
        "coordinator", null, new RunStatus("coordinator", null));
    spec.commandLine().getOut().println("coordinator metrics on " + server.url() + "; cohort status --coordinator "
        + server.address());
    return server;
  }
}
