package dev.cohort.config;

import java.nio.file.Path;

/**
 * Every node's Prometheus endpoint (/metrics; the coordinator also serves /status).
 *
 * @param enabled serve metrics at all
 * @param host the address the metrics HTTP server binds and advertises in its targets file
 * @param port the coordinator's (or a single-worker trainer's) metrics port (0: any free port, logged and written
 *     to the run's targets file)
 * @param workerPort each worker's metrics port (0: any free port, so local workers never collide; a fixed port
 *     allows one worker per host, what the Slurm and Kubernetes launchers use)
 * @param peakFlopsPerWorker the peak FLOP/s of one worker's device, the denominator of MFU (model FLOPs
 *     utilization); the default is the float32 matMul ceiling measured on a 2-core development machine
 * @param targetsDir where the nodes of a run write their Prometheus file_sd targets files (empty: the run
 *     directory's targets/); the local launcher points it at deploy/prometheus/targets, which Prometheus watches
 */
public record MetricsConfig(boolean enabled, String host, int port, int workerPort, double peakFlopsPerWorker,
    String targetsDir) {
  private static final int MAX_PORT = 65535;
  /** The run directory's folder of targets files when {@code targetsDir} is empty. */
  public static final String TARGETS = "targets";

  void validate(String path) {
    Check.that(!host.isBlank(), path + ".host", "must name a host or IP address");
    port(path + ".port", port);
    port(path + ".worker-port", workerPort);
    Check.that(peakFlopsPerWorker > 0, path + ".peak-flops-per-worker", "must be > 0, got " + peakFlopsPerWorker);
  }

  /** The folder the nodes of the run in {@code runRoot} announce themselves in. */
  public Path targets(Path runRoot) {
    return targetsDir.isBlank() ? runRoot.resolve(TARGETS) : Path.of(targetsDir);
  }

  private static void port(String path, int port) {
    Check.that(port >= 0 && port <= MAX_PORT, path, "must be 0 (any free port) to " + MAX_PORT + ", got " + port);
  }
}
