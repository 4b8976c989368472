package dev.cohort.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cohort.cli.observe.DashboardQueries;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The dashboards exist and the metric names of their PromQL are read correctly (MetricsEndpointsTest uses them). */
class DashboardQueriesTest {
  @Test
  void theFourDashboardsAreProvisioned() throws IOException {
    try (Stream<Path> files = Files.list(DashboardQueries.DIR)) {
      assertEquals(List.of("experts.json", "health.json", "steps.json", "training.json"),
          files.map(f -> f.getFileName().toString()).sorted().toList());
    }
    assertTrue(Files.readString(Path.of("../deploy/grafana/provisioning/dashboards/cohort.yaml"))
        .contains("type: file"));
  }

  @Test
  void metricNamesSkipFunctionsLabelsAndGroupings() {
    assertEquals(Set.of("cohort_moe_expert_tokens_total"), DashboardQueries.metricNames(
        "sum by (expert) (rate(cohort_moe_expert_tokens_total{layer=\"$layer\", job=~\"up\"}[$__rate_interval]))"));
    assertEquals(Set.of("process_resident_memory_bytes", "jvm_memory_committed_bytes"), DashboardQueries.metricNames(
        "process_resident_memory_bytes - on (instance) sum by (instance) (jvm_memory_committed_bytes)"));
    assertEquals(Set.of("up"), DashboardQueries.metricNames("sum by (role) (up{job=\"cohort\"})"));
    assertEquals(Set.of("cohort_train_total_steps", "cohort_train_step"),
        DashboardQueries.metricNames("cohort_train_total_steps - cohort_train_step - 1"));
  }

  @Test
  void everyDashboardExpressionReadsAMetric() throws IOException {
    List<String> exprs = DashboardQueries.expressions();
    assertFalse(exprs.isEmpty());
    for (String expr : exprs) assertFalse(DashboardQueries.metricNames(expr).isEmpty(), expr);
  }
}
