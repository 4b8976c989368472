package dev.cohort.cli;

import dev.cohort.cluster.ClusterNode;
import dev.cohort.cluster.HostPort;
import dev.cohort.cluster.LocalWorkers;
import dev.cohort.cluster.NodeSpec;
import dev.cohort.config.ClusterConfig;
import dev.cohort.config.CohortConfig;
import dev.cohort.config.DeviceName;
import dev.cohort.config.MetricsConfig;
import dev.cohort.device.Devices;
import dev.cohort.metrics.ClusterMetrics;
import dev.cohort.metrics.MetricsServer;
import dev.cohort.metrics.RunMetrics;
import dev.cohort.protocol.WorkerProtocol;
import dev.cohort.worker.Worker;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code cohort worker}: one worker process, which joins a coordinator and runs until its node stops. */
@Command(
    name = "worker",
    mixinStandardHelpOptions = true,
    description = {
      "Start a worker node that joins the coordinator and serves it until the cluster lets it go.",
      "Usually started by the coordinator's launcher, one process per worker."
    })
public final class WorkerCommand implements Callable<Integer> {
  /** Exit status when the worker never became a cluster member. */
  static final int JOIN_FAILED = 3;

  @Spec CommandSpec spec;

  /** The node's cluster settings (TLS stores, ports); the run's other settings come from the coordinator. */
  @Mixin ConfigOptions config;

  @Option(names = LocalWorkers.JOIN, required = true, paramLabel = "HOST:PORT",
      description = "The coordinator's endpoint.")
  String join;

  @Option(names = "--host", paramLabel = "HOST",
      description = "Address to bind and advertise (default: cohort.cluster.host).")
  String host;

  @Option(names = "--port", paramLabel = "PORT",
      description = "Port to bind, 0 for any free one (default: cohort.cluster.worker-port).")
  Integer port;

  @Option(names = LocalWorkers.PARENT_PID, paramLabel = "PID",
      description = "Exit when this process exits (the launcher), so no worker outlives it.")
  Long parentPid;

  @Option(names = Devices.WORKER_OPTION, paramLabel = "DEVICE",
      description = "cpu, gpu or gpu:N: this worker's device in every run, whatever the run's train.device says "
          + "(gpu: the GPU this process was given, e.g. by CUDA_VISIBLE_DEVICES).")
  String device;

  @Option(names = RunMetrics.WORKER_HOST, paramLabel = "HOST",
      description = "Address of the metrics endpoint (default: cohort.metrics.host).")
  String metricsHost;

  @Option(names = RunMetrics.WORKER_PORT, paramLabel = "PORT",
      description = "Port of the metrics endpoint, 0 for any free one (default: cohort.metrics.worker-port).")
  Integer metricsPort;

  @Option(names = RunMetrics.WORKER_TARGETS, paramLabel = "DIR",
      description = "Write a Prometheus file_sd targets file naming the metrics endpoint into DIR.")
  Path metricsTargets;

  @Option(names = RunMetrics.WORKER_OFF, description = "Serve no metrics.")
  boolean noMetrics;

  /** Entry point for worker processes started directly rather than through the CLI's Main. */
  public static void main(String[] args) {
    System.exit(new CommandLine(new WorkerCommand()).execute(args));
  }

  @Override
  public Integer call() {
    CohortConfig loaded = config.load();
    if (device != null) Devices.pin(DeviceName.parse(Devices.WORKER_OPTION, device));
    ClusterConfig cluster = loaded.cluster();
    NodeSpec node = NodeSpec.worker(cluster,
        endpoint(host == null ? cluster.host() : host, port == null ? cluster.workerPort() : port, "--host/--port"),
        coordinator());
    // Metrics first: their one-off start-up work (JVM collectors, class loading) then does not compete with the
    // cluster join and its heartbeats on a busy machine.
    try (MetricsServer metrics = startMetrics(loaded.metrics())) {
      ClusterNode<WorkerProtocol.Command> worker = ClusterNode.start(node, Worker.create());
      ClusterMetrics.watch(worker.system());
      return serve(node, worker);
    }
  }

  private MetricsServer startMetrics(MetricsConfig settings) {
    if (noMetrics || !settings.enabled()) return null;
    return MetricsServer.start(metricsHost == null ? settings.host() : metricsHost,
        metricsPort == null ? settings.workerPort() : metricsPort, RunMetrics.WORKER_PORT, "worker", metricsTargets,
        null);
  }

  private int serve(NodeSpec node, ClusterNode<WorkerProtocol.Command> worker) {
    if (parentPid != null) LocalWorkers.onParentExit(parentPid, worker::terminate);
    worker.up().thenRun(() -> say("worker " + worker.address() + " (pid " + ProcessHandle.current().pid()
        + ") joined " + join));
    worker.awaitTermination();
    if (!worker.isUp()) {
      spec.commandLine().getErr().println("worker could not join the coordinator at " + join + " within "
          + node.joinTimeout().toSeconds() + " s");
      return JOIN_FAILED;
    }
    say("worker " + worker.address() + " stopped");
    return 0;
  }

  private HostPort coordinator() {
    try {
      return HostPort.parse(join);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), LocalWorkers.JOIN + ": " + e.getMessage());
    }
  }

  private HostPort endpoint(String bindHost, int bindPort, String options) {
    try {
      return new HostPort(bindHost, bindPort);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), options + ": " + e.getMessage());
    }
  }

  private void say(String line) {
    spec.commandLine().getOut().println(line);
    spec.commandLine().getOut().flush();
  }
}
