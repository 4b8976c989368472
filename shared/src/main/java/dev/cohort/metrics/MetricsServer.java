package dev.cohort.metrics;

import com.sun.net.httpserver.HttpHandler;
import dev.cohort.config.ConfigError;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.nio.file.Path;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node's Prometheus endpoint: /metrics from the process-wide default registry (JVM and process metrics
 * included, RSS among them), an optional extra handler for every other path (the coordinator's /status), and a
 * file_sd targets file in {@code targetsDir} naming the address it bound, removed again on close.
 */
public final class MetricsServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(MetricsServer.class);
  private static boolean jvmRegistered;

  private final HTTPServer server;
  private final String host;
  private final Optional<Path> targetsFile;

  /** Withdraws the targets file when the JVM is stopped (Ctrl-C, SIGTERM) before {@link #close()} runs. */
  private final Thread withdraw;

  private MetricsServer(HTTPServer server, String host, Optional<Path> targetsFile) {
    this.server = server;
    this.host = host;
    this.targetsFile = targetsFile;
    this.withdraw = new Thread(() -> targetsFile.ifPresent(TargetsFile::delete), "cohort-metrics-withdraw");
    Runtime.getRuntime().addShutdownHook(withdraw);
  }

  /**
   * Binds {@code host:port} (0: any free port) and serves.
   *
   * @param portSetting the config key or option that chose the port, named if it is in use
   * @param role the node's role label in the targets file: trainer, coordinator or worker
   * @param targetsDir where to write the targets file; null for none
   * @param other handler for paths other than /metrics; null for none
   */
  public static MetricsServer start(String host, int port, String portSetting, String role, Path targetsDir,
      HttpHandler other) {
    registerJvmMetrics();
    HTTPServer.Builder builder = HTTPServer.builder().hostname(host).port(port);
    if (other != null) builder.defaultHandler(other);
    HTTPServer server;
    try {
      server = builder.buildAndStart();
    } catch (BindException e) {
      throw new ConfigError(portSetting, "cannot serve metrics on " + host + ":" + port + " (" + e.getMessage()
          + "): choose another port, 0 for any free one, or set metrics.enabled = false");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the metrics server on " + host + ":" + port, e);
    }
    Optional<Path> file = Optional.ofNullable(targetsDir)
        .map(dir -> TargetsFile.write(dir, role, host, server.getPort()));
    MetricsServer started = new MetricsServer(server, host, file);
    log.info("{} metrics on {}", role, started.url());
    return started;
  }

  private static synchronized void registerJvmMetrics() {
    if (jvmRegistered) return;
    JvmMetrics.builder().register(PrometheusRegistry.defaultRegistry);
    jvmRegistered = true;
  }

  public int port() {
    return server.getPort();
  }

  /** host:port, as a Prometheus target and `cohort status --coordinator` take it. */
  public String address() {
    return host + ":" + port();
  }

  public String url() {
    return "http://" + address() + "/metrics";
  }

  @Override
  public void close() {
    targetsFile.ifPresent(TargetsFile::delete);
    server.close();
    try {
      Runtime.getRuntime().removeShutdownHook(withdraw);
    } catch (IllegalStateException shuttingDown) {
      // The JVM is exiting and the hook is running or about to: deleting twice is harmless.
    }
  }
}
