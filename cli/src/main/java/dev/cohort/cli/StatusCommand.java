package dev.cohort.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cohort.cluster.HostPort;
import dev.cohort.config.ConfigError;
import dev.cohort.metrics.RunStatus;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code cohort status}: what a running coordinator (or single-worker trainer) says at its /status endpoint. */
@Command(name = "status", mixinStandardHelpOptions = true,
    description = "Print a running run's placement, cluster members and latest step metrics.")
public final class StatusCommand implements Callable<Integer> {
  private static final Duration TIMEOUT = Duration.ofSeconds(5);

  @Spec CommandSpec spec;

  @Option(names = "--coordinator", required = true, paramLabel = "HOST:PORT",
      description = "The coordinator's metrics endpoint (cohort.metrics.host:port; printed when the run starts).")
  String coordinator;

  @Option(names = "--json", description = "Print the raw JSON document.")
  boolean json;

  @Override
  public Integer call() throws InterruptedException {
    JsonNode status = fetch(parse(coordinator));
    PrintWriter out = spec.commandLine().getOut();
    out.println(json ? status.toPrettyString() : render(status));
    out.flush();
    return 0;
  }

  private static HostPort parse(String endpoint) {
    try {
      return HostPort.parse(endpoint);
    } catch (IllegalArgumentException e) {
      throw new ConfigError("--coordinator", e.getMessage());
    }
  }

  private static JsonNode fetch(HostPort endpoint) throws InterruptedException {
    URI uri = URI.create("http://" + endpoint + RunStatus.PATH);
    try {
      HttpResponse<String> response = HttpClient.newBuilder().connectTimeout(TIMEOUT).build().send(
          HttpRequest.newBuilder(uri).timeout(TIMEOUT).build(), HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        throw new ConfigError("--coordinator", uri + " answered " + response.statusCode() + ": not a coordinator's "
            + "metrics endpoint?");
      }
      return new ObjectMapper().readTree(response.body());
    } catch (IOException e) {
      throw new ConfigError("--coordinator", "cannot read " + uri + ": " + e);
    }
  }

  /** A few lines a person reads: run and state, members, the latest step with its ETA, the placement. */
  static String render(JsonNode s) {
    StringBuilder text = new StringBuilder();
    text.append(String.format(Locale.ROOT, "%s %s: %s%s%n", s.path("role").asText(), s.path("run").asText("-"),
        s.path("state").asText(), s.has("reason") ? " (" + s.get("reason").asText() + ")" : ""));
    text.append("members:").append(s.path("members").isEmpty() ? " none (single process)" : "").append('\n');
    for (JsonNode m : s.path("members")) {
      text.append(String.format(Locale.ROOT, "  %-40s %-8s %s%n", m.path("address").asText(),
          m.path("status").asText(), m.path("roles")));
    }
    JsonNode last = s.path("latest");
    if (!last.isMissingNode()) {
      long step = last.path("step").asLong() + 1;
      long total = s.path("total_steps").asLong();
      double stepS = last.path("step_ms").asDouble() / 1e3;
      text.append(String.format(Locale.ROOT, "step %d/%d  loss %.4f  lr %.2e  %.0f tok/s  %.2f s/step  ETA %s%n",
          step, total, last.path("loss").asDouble(), last.path("lr").asDouble(),
          last.path("tokens_per_s").asDouble(), stepS, eta((total - step) * stepS)));
    }
    if (s.has("placement")) text.append("placement (epoch ").append(s.path("epoch").asLong()).append("):\n")
        .append(s.get("placement").asText()).append('\n');
    return text.toString().stripTrailing();
  }

  private static String eta(double seconds) {
    long s = Math.round(seconds);
    return String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60);
  }
}
