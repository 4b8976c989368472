package dev.cohort.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import dev.cohort.config.CohortConfig;
import dev.cohort.coordinator.LocalRun;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "pipeline", mixinStandardHelpOptions = true,
    description = "Measured pipeline bubble (the share of each worker's step spent waiting for its neighbours) of "
        + "a pp-stage run with m micro-batches, real worker JVMs on 127.0.0.1, against the ideal (p-1)/(m+p-1).")
public final class PipelineBenchCommand implements Callable<Integer> {
  @Mixin ConfigOptions config;

  @Option(names = "--stages", defaultValue = "2") int stages;
  @Option(names = "--micro-batches", defaultValue = "4") int microBatches;
  @Option(names = "--schedule", defaultValue = "1f1b") String schedule;
  @Option(names = "--steps", defaultValue = "8", description = "steps; the first two are not timed") int steps;

  @Override
  public Integer call() throws IOException {
    Path runs = Files.createTempDirectory("cohort-bench-pipeline");
    // Twelve layers wide enough that the planner can balance them against the GPT-2-sized LM head.
    List<String> overrides = new ArrayList<>(List.of("model.num-layers = 12", "model.hidden-size = 128",
        "model.moe.expert-ffn-size = 1024", "data.seq-len = 64", "train.micro-batch-size = 4"));
    overrides.addAll(config.overrides);
    overrides.addAll(List.of("parallel.pp = " + stages, "parallel.dp = 1", "parallel.schedule = " + schedule,
        "train.grad-accum-steps = " + microBatches, "train.steps = " + steps, "run.dir = \"" + runs + "\"",
        "run.name = pipeline", "cluster.coordinator-port = 0"));
    Config hocon = CohortConfig.hocon(config.file, overrides);
    LocalRun.run(CohortConfig.fromHocon(hocon), hocon, Main.class.getName(), List.of("worker"), (m, total) -> { });
    ObjectNode out = ExpertsBenchCommand.summary(runs.resolve("pipeline").resolve("metrics.jsonl"), 1);
    out.remove("ep");
    out.put("stages", stages);
    out.put("micro_batches", microBatches);
    out.put("schedule", schedule);
    out.put("measured_bubble", out.get("idle_share").asDouble());
    out.put("ideal_bubble", (stages - 1) / (double) (microBatches + stages - 1));
    System.out.println(out);
    return 0;
  }
}
