package dev.cohort.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import dev.cohort.cluster.ClusterNode;
import dev.cohort.cluster.HostPort;
import dev.cohort.cluster.NodeSpec;
import dev.cohort.config.CohortConfig;
import dev.cohort.config.MetricsConfig;
import dev.cohort.coordinator.Coordinator;
import dev.cohort.coordinator.LocalRun;
import dev.cohort.coordinator.RunSpec;
import dev.cohort.metrics.ClusterMetrics;
import dev.cohort.metrics.MetricsServer;
import dev.cohort.metrics.RunStatus;
import dev.cohort.run.Corpora;
import dev.cohort.run.RunDirectory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
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
      "Runs until stopped (Ctrl-C leaves the cluster cleanly); with --train, until the run ends.",
      "A second coordinator started with --join PRIMARY --train --resume is a standby: when the primary is lost,",
      "the coordinator singleton moves to it and it continues the run from the newest complete checkpoint."
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

  @Option(names = "--join", paramLabel = "HOST:PORT",
      description = "Join the cluster of this coordinator as a standby instead of founding one.")
  String join;

  @Option(names = "--train", description = "Drive the configured run (run.name) on the workers that join.")
  boolean train;

  @Option(names = "--resume", description = "With --train: continue the run from its newest complete checkpoint.")
  boolean resume;

  @Override
  public Integer call() {
    List<String> lines = new ArrayList<>();
    lines.addAll(overrides);
    // The last of several overrides of one key wins: --port beats a --set of the same key.
    if (port != null) lines.add("cluster.coordinator-port = " + port);
    Config hocon = CohortConfig.hocon(config, lines);
    CohortConfig cohort = CohortConfig.fromHocon(hocon);
    NodeSpec self = join == null ? NodeSpec.coordinator(cohort.cluster())
        : NodeSpec.standby(cohort.cluster(), HostPort.parse(join));
    ClusterNode<Void> node = ClusterNode.start(self, Behaviors.empty());
    CompletableFuture<String> outcome = new CompletableFuture<>();
    Coordinator.startSingleton(node.system(), train ? run(cohort, hocon, outcome) : null);
    ClusterMetrics.watch(node.system());
    if (train) {
      // Downed or removed (a standby when the primary and the workers leave together at the end): no coordinator
      // here will end the run, so end this process, successfully if the run is complete.
      node.system().getWhenTerminated().thenRun(() -> {
        if (!outcome.isDone()) {
          outcome.complete(LocalRun.complete(cohort) ? "" : "this node left the cluster before the run ended");
        }
      });
    }
    try (MetricsServer metrics = startMetrics(cohort.metrics())) {
      spec.commandLine().getOut().println("coordinator listening on " + node.hostPort()
          + "; workers join with: cohort worker --join " + node.hostPort());
      spec.commandLine().getOut().flush();
      if (!train) {
        node.awaitTermination();
        return 0;
      }
      String failure = outcome.join();
      node.terminate();
      if (failure.isEmpty()) return 0;
      spec.commandLine().getErr().println("run failed: " + failure);
      return 1;
    }
  }

  private MetricsServer startMetrics(MetricsConfig m) {
    if (!m.enabled()) return null;
    MetricsServer server = MetricsServer.start(m.host(), m.port(), CohortConfig.ROOT + ".metrics.port",
        "coordinator", null, new RunStatus("coordinator", null));
    spec.commandLine().getOut().println("coordinator metrics on " + server.url() + "; cohort status --coordinator "
        + server.address());
    return server;
  }

  /** The run this coordinator drives; {@code outcome} completes with "" when it finishes, else the reason. */
  private RunSpec run(CohortConfig cohort, Config hocon, CompletableFuture<String> outcome) {
    if (!resume) Corpora.openOrPrepare(cohort); // before the workers open it; a resumed run's corpus is ready
    RunDirectory directory = resume ? new RunDirectory(RunDirectory.of(cohort))
        : RunDirectory.create(RunDirectory.of(cohort), hocon);
    RunSpec.Listener listener = new RunSpec.Listener() {
      @Override
      public void onStep(ObjectNode metrics, long totalSteps) {
        spec.commandLine().getOut().println(metrics);
        spec.commandLine().getOut().flush();
      }

      @Override
      public void onFinished() {
        outcome.complete("");
      }

      @Override
      public void onFailed(String reason) {
        outcome.complete(reason);
      }
    };
    return new RunSpec(UUID.randomUUID().toString(), cohort, CohortConfig.render(hocon), directory, listener, resume);
  }
}
