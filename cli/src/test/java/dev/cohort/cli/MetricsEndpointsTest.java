package dev.cohort.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import dev.cohort.cli.observe.DashboardQueries;
import dev.cohort.cli.observe.Exposition;
import dev.cohort.cli.observe.PrometheusServer;
import dev.cohort.cli.observe.SmallCorpus;
import dev.cohort.config.CohortConfig;
import dev.cohort.coordinator.LocalRun;
import dev.cohort.metrics.RunStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A short distributed run (coordinator here, 2 worker JVMs) watched by a real Prometheus through the file_sd
 * targets its nodes write: at the last step the test scrapes every node, reads the coordinator's /status, and
 * waits for Prometheus to have scraped the loss.
 */
class MetricsEndpointsTest {
  private static final int STEPS = 4;
  private static final int WORKERS = 2;
  private static final Duration PROMETHEUS_WAIT = Duration.ofSeconds(30);
  /** A loss once a step has set it (before, the gauge is NaN, which the comparison drops). */
  private static final String LOSS = "cohort_train_loss{job=\"cohort\",role=\"coordinator\"} > 0";
  private static final String UP_EVERY_NODE =
      "count(max_over_time(up{job=\"cohort\"}[5m]) == 1) == " + (WORKERS + 1);

  @TempDir static Path dir;
  private static PrometheusServer prometheus;
  private static final Map<String, Exposition> scrapes = new TreeMap<>(); // by targets file name
  private static JsonNode status;
  private static List<JsonNode> lossSeries = List.of();
  private static List<JsonNode> upSeries = List.of();
  private static final List<Throwable> listenerErrors = new ArrayList<>();
  private static ObjectNode lastLine;

  @BeforeAll
  static void runWatched() throws IOException, InterruptedException {
    Path promDir = Files.createDirectories(dir.resolve("prometheus"));
    prometheus = PrometheusServer.start(promDir);
    Config hocon = CohortConfig.hocon(Path.of("../conf/model/tiny.conf"), List.of("model.vocab-size = 50257",
        "data.seq-len = 32", "data.corpus = \"" + SmallCorpus.write(dir.resolve("corpus.jsonl")) + "\"",
        "data.prepared = \"" + dir.resolve("prepared") + "\"",
        "run.dir = \"" + dir.resolve("runs") + "\"", "run.name = watched", "train.micro-batch-size = 2",
        "train.grad-accum-steps = 2", "train.eval-every = 0", "train.steps = " + STEPS, "train.threads = 1",
        "parallel.dp = " + WORKERS, "checkpoint.every = 0", "cluster.coordinator-port = 0",
        "cluster.worker-heap = \"1g\"", "cluster.step-timeout-seconds = 120", "cluster.join-timeout-seconds = 180",
        "metrics.port = 0",
        "metrics.targets-dir = \"" + PrometheusServer.targets(promDir) + "\""));
    lastLine = LocalRun.run(CohortConfig.fromHocon(hocon), hocon, Main.class.getName(), List.of("worker"),
        (line, total) -> {
          if (line.get("step").asLong() == total - 1) watchLastStep(PrometheusServer.targets(promDir));
        });
  }

  /** Runs on the coordinator's actor while every node still serves: blocking it a few seconds is harmless here. */
  private static void watchLastStep(Path targets) {
    try (Stream<Path> files = Files.list(targets)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".json")).toList()) {
        String endpoint = new ObjectMapper().readTree(file.toFile()).get(0).get("targets").get(0).asText();
        scrapes.put(file.getFileName().toString(), Exposition.scrape(endpoint));
        if (file.getFileName().toString().startsWith("coordinator-")) {
          status = new ObjectMapper().readTree(Exposition.get("http://" + endpoint + RunStatus.PATH));
        }
      }
      lossSeries = prometheus.awaitResult(LOSS, PROMETHEUS_WAIT);
      // Prometheus's own per-target series; it goes stale once the nodes withdraw their targets files.
      upSeries = prometheus.awaitResult(UP_EVERY_NODE, PROMETHEUS_WAIT);
    } catch (IOException | InterruptedException | RuntimeException e) {
      listenerErrors.add(e);
    }
  }

  @AfterAll
  static void stopPrometheus() throws InterruptedException {
    if (prometheus != null) prometheus.close();
  }

  private static void assertWatched() {
    assertTrue(listenerErrors.isEmpty(), "watching the last step failed: " + listenerErrors);
    assertEquals(STEPS - 1, lastLine.get("step").asLong());
  }

  @Test
  void everyNodeAnnouncedItselfAndWithdrewAtTheEnd() throws IOException {
    assertWatched();
    assertEquals(1, scrapes.keySet().stream().filter(f -> f.startsWith("coordinator-")).count(), scrapes.keySet()
        .toString());
    assertEquals(WORKERS, scrapes.keySet().stream().filter(f -> f.startsWith("worker-")).count());
    try (Stream<Path> left = Files.list(PrometheusServer.targets(dir.resolve("prometheus")))) {
      assertEquals(List.of(), left.toList(), "targets files left after the run");
    }
  }

  @Test
  void everyExpositionPassesPromtool() throws IOException, InterruptedException {
    assertWatched();
    for (Exposition scrape : scrapes.values()) {
      assertEquals("", scrape.promtoolFindings(), "promtool check metrics of " + scrape.endpoint());
    }
  }

  @Test
  void everyMetricTheDashboardsQueryIsExported() throws IOException {
    assertWatched();
    Set<String> exported = new TreeSet<>();
    scrapes.values().forEach(s -> exported.addAll(s.sampleNames()));
    if (!upSeries.isEmpty()) exported.add("up"); // recorded by Prometheus itself, for every target
    Set<String> missing = new TreeSet<>();
    for (String expr : DashboardQueries.expressions()) {
      Set<String> names = DashboardQueries.metricNames(expr);
      assertFalse(names.isEmpty(), "no metric name found in dashboard expression " + expr);
      names.stream().filter(n -> !exported.contains(n)).forEach(missing::add);
    }
    assertEquals(Set.of(), missing, "metrics the dashboards query that no node exports");
  }

  @Test
  void workersExportTheirTrafficPerPeerAndTheirMemory() {
    assertWatched();
    for (Map.Entry<String, Exposition> scrape : scrapes.entrySet()) {
      if (!scrape.getKey().startsWith("worker-")) continue;
      Set<String> names = scrape.getValue().sampleNames();
      assertTrue(names.containsAll(Set.of("cohort_exchange_sent_bytes_total", "cohort_exchange_received_bytes_total",
          "process_resident_memory_bytes", "jvm_memory_used_bytes")), scrape.getKey() + ": " + names);
      assertTrue(scrape.getValue().text().contains("cohort_exchange_sent_bytes_total{peer=\"pekko://cohort@"),
          scrape.getValue().text());
    }
  }

  @Test
  void prometheusScrapedEveryNodeAndTheCoordinatorsLoss() {
    assertWatched();
    assertEquals(1, upSeries.size(), "every node up in Prometheus: " + upSeries);
    assertEquals(1, lossSeries.size(), lossSeries.toString());
    double loss = lossSeries.get(0).get("value").get(1).asDouble();
    assertTrue(Double.isFinite(loss) && loss > 0, "loss " + loss);
  }

  @Test
  void statusShowsPlacementMembersAndLatestStep() {
    assertWatched();
    assertEquals("running", status.get("state").asText());
    assertEquals(1, status.get("epoch").asLong());
    assertTrue(status.get("placement").asText().contains("pekko://cohort@"), status.toString());
    assertEquals(WORKERS + 1, status.get("members").size(), status.toString());
    status.get("members").forEach(m -> assertEquals("up", m.get("status").asText()));
    assertEquals(STEPS - 1, status.get("latest").get("step").asLong());
    String shown = StatusCommand.render(status);
    assertTrue(shown.contains("step " + STEPS + "/" + STEPS) && shown.contains("ETA 0:00:00"), shown);
  }
}
