package dev.cohort.cli.observe;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** The PromQL expressions of the Grafana dashboards in deploy/grafana/dashboards, and the metrics they read. */
public final class DashboardQueries {
  /** The provisioned dashboards. */
  public static final Path DIR = Path.of("../deploy/grafana/dashboards");

  /**
   * A metric name of ours: Cohort's own, the JVM's and the process's, or {@code up} (which Prometheus itself
   * records for each target). Names inside label matchers, functions and keywords (by, on, rate, ...) do not
   * match: every name a Cohort dashboard reads has one of these prefixes.
   */
  private static final Pattern METRIC = Pattern.compile("\\b((?:cohort|jvm|process)_[a-zA-Z0-9_]+|up)\\b");
  private static final Pattern LABEL_MATCHERS = Pattern.compile("\\{[^}]*}");
  private static final Pattern GROUPING = Pattern.compile("\\b(?:by|without|on|ignoring)\\s*\\([^)]*\\)");

  private DashboardQueries() {}

  /** Every "expr" of every panel (and every templating query) of every dashboard file. */
  public static List<String> expressions() throws IOException {
    List<String> exprs = new ArrayList<>();
    ObjectMapper json = new ObjectMapper();
    try (Stream<Path> files = Files.list(DIR)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".json")).sorted().toList()) {
        JsonNode dashboard = json.readTree(file.toFile());
        dashboard.findValues("expr").forEach(e -> exprs.add(e.asText()));
        dashboard.path("templating").path("list").forEach(v -> exprs.add(v.path("query").asText()));
      }
    }
    return exprs;
  }

  /** The metric names one expression reads (label names and values, in matchers and groupings, left out). */
  public static Set<String> metricNames(String expr) {
    String bare = GROUPING.matcher(LABEL_MATCHERS.matcher(expr).replaceAll("")).replaceAll("");
    Set<String> names = new TreeSet<>();
    Matcher m = METRIC.matcher(bare);
    while (m.find()) names.add(m.group(1));
    return names;
  }
}
