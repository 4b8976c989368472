package dev.cohort.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cohort.cli.observe.Exposition;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** The coordinator's /metrics during a run, found through the targets file it announced itself in. */
final class CoordinatorScrape {
  private CoordinatorScrape() {}

  /** The exposition text; {@code targets} is the run's metrics.targets-dir. */
  static String of(Path targets) {
    try (Stream<Path> files = Files.list(targets)) {
      Path file = files.filter(f -> f.getFileName().toString().startsWith("coordinator-")).findFirst().orElseThrow();
      String endpoint = new ObjectMapper().readTree(file.toFile()).get(0).get("targets").get(0).asText();
      return Exposition.scrape(endpoint).text();
    } catch (IOException | InterruptedException e) {
      throw new IllegalStateException("cannot scrape the coordinator announced in " + targets, e);
    }
  }

  /** The value of one series (name and labels exactly as exposed) in an exposition; 0 when absent. */
  static double sample(String exposition, String series) {
    for (String line : exposition.split("\n")) {
      if (line.startsWith(series + " ")) return Double.parseDouble(line.substring(series.length() + 1).trim());
    }
    return 0;
  }
}
