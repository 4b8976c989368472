package dev.cohort.metrics;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cohort.config.CohortConfig;
import dev.cohort.config.MetricsConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The metrics of the node that drives a run (single-worker trainer or coordinator): its endpoint, with /status,
 * its targets file in the run directory, and the sink its per-step metrics lines go to. With metrics.enabled =
 * false it serves nothing and only keeps the status.
 */
public final class RunMetrics implements AutoCloseable {
  /** Worker command options that place its metrics endpoint; the local launcher passes them. */
  public static final String WORKER_HOST = "--metrics-host";
  public static final String WORKER_PORT = "--metrics-port";
  public static final String WORKER_TARGETS = "--metrics-targets";
  public static final String WORKER_OFF = "--no-metrics";

  private final Optional<MetricsServer> server;
  private final RunStatus status;
  private final TrainingMetrics training;

  private RunMetrics(Optional<MetricsServer> server, RunStatus status, TrainingMetrics training) {
    this.server = server;
    this.status = status;
    this.training = training;
  }

  /** Starts serving (when enabled) for a run of {@code config} whose directory is {@code runRoot}. */
  public static RunMetrics start(CohortConfig config, String role, Path runRoot) {
    RunStatus status = new RunStatus(role, config.run().name());
    MetricsConfig m = config.metrics();
    Optional<MetricsServer> server = Optional.empty();
    if (m.enabled()) {
      CheckpointMetrics.register();
      server = Optional.of(MetricsServer.start(m.host(), m.port(), CohortConfig.ROOT + ".metrics.port", role,
          m.targets(runRoot), status));
    }
    return new RunMetrics(server, status, TrainingMetrics.of(config));
  }

  /**
   * The arguments that give this machine's workers of a run their endpoints: on free ports (several share the
   * host), announced in the run's targets folder.
   */
  public static List<String> localWorkerArgs(MetricsConfig m, Path runRoot) {
    if (!m.enabled()) return List.of(WORKER_OFF);
    return List.of(WORKER_HOST, m.host(), WORKER_PORT, "0",
        WORKER_TARGETS, m.targets(runRoot).toString());
  }

  /** host:port of the endpoint, if serving. */
  public Optional<String> address() {
    return server.map(MetricsServer::address);
  }

  public RunStatus status() {
    return status;
  }

  /** One step's metrics line, to the endpoint and the status. */
  public void step(ObjectNode line, long totalSteps) {
    training.record(line, totalSteps);
    status.stepped(line, totalSteps);
  }

  @Override
  public void close() {
    server.ifPresent(MetricsServer::close);
  }
}
