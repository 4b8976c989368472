package dev.cohort.cli.observe;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/** A scraped /metrics page in the Prometheus text format, checked by promtool. */
public record Exposition(String endpoint, String text) {
  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  public static Exposition scrape(String hostPort) throws IOException, InterruptedException {
    return new Exposition(hostPort, get("http://" + hostPort + "/metrics"));
  }

  public static String get(String url) throws IOException, InterruptedException {
    HttpResponse<String> response = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create(url)).timeout(TIMEOUT).build(), HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) throw new IOException(url + " answered " + response.statusCode());
    return response.body();
  }

  /** The sample names (histogram and summary samples under their suffixed names). */
  public Set<String> sampleNames() {
    Set<String> names = new TreeSet<>();
    for (String line : text.split("\n")) {
      if (line.isBlank() || line.startsWith("#")) continue;
      names.add(line.split("[{ ]", 2)[0]);
    }
    return names;
  }

  /** promtool check metrics: its findings (lint included), or the empty string when it has none. */
  public String promtoolFindings() throws IOException, InterruptedException {
    Process promtool = new ProcessBuilder("promtool", "check", "metrics").redirectErrorStream(true).start();
    try {
      promtool.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
      promtool.getOutputStream().close();
      String output = new String(promtool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!promtool.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS)) throw new IOException("promtool hung");
      return promtool.exitValue() == 0 && output.isBlank() ? "" : "exit " + promtool.exitValue() + ": " + output;
    } finally {
      promtool.destroyForcibly();
    }
  }
}
