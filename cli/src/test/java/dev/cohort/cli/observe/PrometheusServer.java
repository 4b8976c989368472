package dev.cohort.cli.observe;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real Prometheus server on 127.0.0.1 for a test: deploy/prometheus/prometheus.yml with a 1 s scrape interval,
 * its file_sd targets folder and its TSDB in {@code dir}, on a free port; stopped by its PID on close.
 */
public final class PrometheusServer implements AutoCloseable {
  public static final Path CONFIG = Path.of("../deploy/prometheus/prometheus.yml");
  private static final String DEPLOYED_INTERVAL = "scrape_interval: 5s";
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration POLL = Duration.ofMillis(250);

  private final Process process;
  private final int port;

  private PrometheusServer(Process process, int port) {
    this.process = process;
    this.port = port;
  }

  /** Starts Prometheus watching {@code dir}/targets/*.json and waits until it is ready. */
  public static PrometheusServer start(Path dir) throws IOException, InterruptedException {
    String config = Files.readString(CONFIG);
    if (!config.contains(DEPLOYED_INTERVAL)) throw new IllegalStateException(CONFIG + " lacks " + DEPLOYED_INTERVAL);
    Files.writeString(dir.resolve("prometheus.yml"), config.replace(DEPLOYED_INTERVAL, "scrape_interval: 1s"));
    Files.createDirectories(targets(dir));
    int port = freePort();
    Process process = new ProcessBuilder("prometheus", "--config.file=" + dir.resolve("prometheus.yml"),
        "--storage.tsdb.path=" + dir.resolve("tsdb"), "--web.listen-address=127.0.0.1:" + port)
        .redirectErrorStream(true).redirectOutput(dir.resolve("prometheus.log").toFile()).start();
    PrometheusServer server = new PrometheusServer(process, port);
    try {
      server.awaitReady();
    } catch (IOException | RuntimeException e) {
      server.close();
      throw e;
    }
    return server;
  }

  /** Where the config's file_sd looks for targets files. */
  public static Path targets(Path dir) {
    return dir.resolve("targets");
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  private void awaitReady() throws IOException, InterruptedException {
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) throw new IOException("prometheus exited with " + process.exitValue());
      try {
        Exposition.get("http://127.0.0.1:" + port + "/-/ready");
        return;
      } catch (IOException notYet) {
        Thread.sleep(POLL.toMillis());
      }
    }
    throw new IOException("prometheus not ready within " + READY_TIMEOUT);
  }

  /** The result vector of an instant query. */
  public List<JsonNode> query(String promql) throws IOException, InterruptedException {
    JsonNode answer = new ObjectMapper().readTree(Exposition.get("http://127.0.0.1:" + port + "/api/v1/query?query="
        + URLEncoder.encode(promql, StandardCharsets.UTF_8)));
    if (!"success".equals(answer.path("status").asText())) throw new IOException(promql + ": " + answer);
    List<JsonNode> result = new ArrayList<>();
    answer.path("data").path("result").forEach(result::add);
    return result;
  }

  /** Polls {@code promql} until it returns something, or returns the empty result at {@code timeout}. */
  public List<JsonNode> awaitResult(String promql, Duration timeout) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    List<JsonNode> result = query(promql);
    while (result.isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(POLL.toMillis());
      result = query(promql);
    }
    return result;
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    }
  }
}
