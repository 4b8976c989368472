package dev.cohort.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import dev.cohort.config.CohortConfig;
import dev.cohort.coordinator.LocalRun;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "experts", mixinStandardHelpOptions = true,
    description = "Step time of a data-parallel run with experts spread over the replicas (ep = dp) against the "
        + "same run with every expert on every replica (ep = 1), real worker JVMs on 127.0.0.1; one JSON line each.")
public final class ExpertsBenchCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Mixin ConfigOptions config;

  @Option(names = "--replicas", defaultValue = "2", description = "worker JVMs (dp, and ep for the spread run)")
  int replicas;

  @Option(names = "--steps", defaultValue = "8", description = "steps per run; the first two are not timed")
  int steps;

  @Override
  public Integer call() throws IOException {
    Path runs = Files.createTempDirectory("cohort-bench-experts");
    for (int ep : new int[] {1, replicas}) {
      List<String> overrides = new ArrayList<>(config.overrides);
      overrides.addAll(List.of("parallel.dp = " + replicas, "parallel.ep = " + ep, "train.steps = " + steps,
          "train.grad-accum-steps = " + replicas, "run.dir = \"" + runs + "\"", "run.name = ep" + ep,
          "cluster.coordinator-port = 0"));
      Config hocon = CohortConfig.hocon(config.file, overrides);
      LocalRun.run(CohortConfig.fromHocon(hocon), hocon, Main.class.getName(), List.of("worker"), (m, total) -> { });
      System.out.println(summary(runs.resolve("ep" + ep).resolve("metrics.jsonl"), ep));
    }
    return 0;
  }

  /** Median step time over the timed steps, and how each worker's step splits between compute and the rest. */
  static ObjectNode summary(Path metrics, int ep) throws IOException {
    List<JsonNode> lines = new ArrayList<>();
    for (String line : Files.readAllLines(metrics)) lines.add(JSON.readTree(line));
    List<JsonNode> timed = lines.subList(Math.min(2, lines.size() - 1), lines.size());
    double[] stepMs = timed.stream().mapToDouble(l -> l.get("step_ms").asDouble()).sorted().toArray();
    double compute = 0;
    double communication = 0;
    double idle = 0;
    for (JsonNode line : timed) {
      for (JsonNode w : line.get("workers")) {
        compute += w.get("forward_ms").asDouble() + w.get("backward_ms").asDouble();
        communication += w.get("communication_ms").asDouble();
        idle += w.get("idle_ms").asDouble();
      }
    }
    double total = compute + communication + idle;
    ObjectNode out = JSON.createObjectNode();
    out.put("ep", ep);
    out.put("timed_steps", timed.size());
    out.put("step_ms", stepMs[stepMs.length / 2]);
    out.put("tokens_per_s", timed.get(0).get("tokens_per_s").asDouble() * timed.get(0).get("step_ms").asDouble()
        / stepMs[stepMs.length / 2]);
    out.put("compute_share", compute / total);
    out.put("communication_share", communication / total);
    out.put("idle_share", idle / total);
    out.put("all_step_ms", Arrays.toString(stepMs));
    return out;
  }
}
