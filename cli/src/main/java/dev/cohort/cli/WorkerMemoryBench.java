package dev.cohort.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import dev.cohort.config.CohortConfig;
import dev.cohort.config.ParallelConfig;
import dev.cohort.coordinator.LocalRun;
import dev.cohort.model.layout.ModelLayout;
import dev.cohort.model.layout.ParamSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * {@code bench memory} of a distributed layout: the configured workers as real JVMs on 127.0.0.1 train the model on
 * the configured corpus for a few steps, and each one's peak resident memory and held state (weights, gradients,
 * AdamW moments) are read from the last step's metrics line, per parameter of the whole model. What parallel.zero
 * saves shows here: the moments a worker does not own are never allocated.
 */
final class WorkerMemoryBench {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final double MIB = 1024.0 * 1024.0;

  private WorkerMemoryBench() {}

  static ObjectNode run(ConfigOptions options, int steps) throws IOException {
    Path runs = Files.createTempDirectory("cohort-bench-memory");
    List<String> overrides = new ArrayList<>(options.overrides);
    // The corpus where the configuration puts it, prepared once, not again under the temporary run directory.
    overrides.add("data.prepared = \"" + options.load().data().prepared() + "\"");
    // Only the final checkpoint, after the last step's figures: a snapshot's host copies would raise the peak.
    overrides.addAll(List.of("train.steps = " + steps, "checkpoint.every = 0", "train.eval-every = 0",
        "run.dir = \"" + runs + "\"", "run.name = memory", "cluster.coordinator-port = 0", "metrics.port = 0"));
    Config hocon = CohortConfig.hocon(options.file, overrides);
    CohortConfig config = CohortConfig.fromHocon(hocon);
    LocalRun.run(config, hocon, Main.class.getName(), List.of("worker"), (m, total) -> { });
    List<String> lines = Files.readAllLines(runs.resolve("memory").resolve("metrics.jsonl"));
    return summary(config, JSON.readTree(lines.get(lines.size() - 1)));
  }

  private static ObjectNode summary(CohortConfig config, JsonNode last) {
    long params = ModelLayout.of(config.model()).stream().mapToLong(WorkerMemoryBench::count).sum();
    ParallelConfig parallel = config.parallel();
    ObjectNode out = JSON.createObjectNode();
    out.put("params", params);
    out.put("pp", parallel.pp()).put("dp", parallel.dp()).put("ep", parallel.ep()).put("zero", parallel.zero());
    out.put("micro_batch", config.train().microBatchSize());
    out.put("seq_len", config.data().seqLen());
    out.put("grad_accum_steps", config.train().gradAccumSteps());
    out.put("steps", config.train().steps());
    ArrayNode workers = out.putArray("workers");
    for (JsonNode w : last.get("workers")) {
      long peak = w.path("peak_rss_bytes").asLong(-1);
      long state = w.get("state_bytes").asLong();
      workers.addObject().put("worker", w.get("worker").asText()).put("stage", w.get("stage").asInt())
          .put("replica", w.get("replica").asInt()).put("peak_rss_mib", peak / MIB)
          .put("bytes_per_param", (double) peak / params).put("state_bytes_per_param", (double) state / params);
    }
    return out;
  }

  private static long count(ParamSpec spec) {
    return Arrays.stream(spec.shape()).reduce(1, (a, b) -> a * b);
  }
}
