package dev.cohort.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A run's metrics.jsonl as the tests read it: one JSON object per line, none while the run has written nothing. */
final class MetricsLines {
  private static final ObjectMapper JSON = new ObjectMapper();

  private MetricsLines() {}

  /** The lines of {@code runs/NAME/metrics.jsonl}. */
  static List<JsonNode> of(Path runs, String name) throws IOException {
    Path file = runs.resolve(name).resolve("metrics.jsonl");
    List<JsonNode> lines = new ArrayList<>();
    if (!Files.exists(file)) return lines;
    for (String line : Files.readAllLines(file)) {
      if (!line.isBlank()) lines.add(JSON.readTree(line));
    }
    return lines;
  }
}
