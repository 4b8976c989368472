package dev.cohort.metrics;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.cohort.placement.Placement;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * What `cohort status` shows, served as JSON at /status by the node that drives the run: the run's state, its
 * placement, the cluster's members and the last step's metrics line. Also counts placements after the first as
 * recoveries. Thread-safe: the coordinator's actor writes, the HTTP server's threads read.
 */
public final class RunStatus implements HttpHandler {
  public static final String PATH = "/status";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Counter RECOVERIES = Counter.builder().name("cohort_recoveries_total")
      .help("Times the run was re-placed on a new set of workers after its first placement").register();
  private static final Gauge EPOCH = Gauge.builder().name("cohort_placement_epoch")
      .help("Placement epoch of the run (1 at its first placement)").register();

  private final String role;
  private final String run;
  private String state = "waiting";
  private String reason;
  private Placement placement;
  private ObjectNode latest;
  private long totalSteps;

  public RunStatus(String role, String run) {
    this.role = role;
    this.run = run;
  }

  public synchronized void placed(Placement next) {
    if (placement != null && next.epoch() != placement.epoch()) RECOVERIES.inc();
    placement = next;
    EPOCH.set(next.epoch());
    state = "running";
  }

  public synchronized void stepped(ObjectNode line, long total) {
    latest = line;
    totalSteps = total;
    state = "running";
  }

  public synchronized void finished() {
    state = "finished";
  }

  public synchronized void failed(String why) {
    state = "failed";
    reason = why;
  }

  /** The document /status serves. */
  public synchronized ObjectNode toJson() {
    ObjectNode doc = JSON.createObjectNode();
    doc.put("role", role);
    if (run != null) doc.put("run", run);
    doc.put("state", state);
    if (reason != null) doc.put("reason", reason);
    if (placement != null) {
      doc.put("epoch", placement.epoch());
      doc.put("placement", placement.describe());
    }
    doc.set("members", JSON.valueToTree(ClusterMetrics.members()));
    if (latest != null) {
      doc.put("total_steps", totalSteps);
      doc.set("latest", latest.deepCopy());
    }
    return doc;
  }

  @Override
  public void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      boolean found = PATH.equals(exchange.getRequestURI().getPath());
      byte[] body = (found ? JSON.writeValueAsString(toJson()) : "not found: try /metrics or " + PATH + "\n")
          .getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", found ? "application/json" : "text/plain; charset=utf-8");
      exchange.sendResponseHeaders(found ? 200 : 404, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }
}
