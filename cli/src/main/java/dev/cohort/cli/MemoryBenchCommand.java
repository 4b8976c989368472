package dev.cohort.cli;

import dev.cohort.config.CohortConfig;
import dev.cohort.worker.bench.MemoryBenchmark;
import java.io.IOException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "memory", mixinStandardHelpOptions = true,
    description = "Peak resident memory of training steps of the configured model on random tokens, and bytes per "
        + "parameter (peak, above the JVM and engine's floor, and of weights + gradients + AdamW moments). With "
        + "parallel.pp x dp > 1 (e.g. --set parallel.dp=2 --set parallel.zero=1), each worker JVM's, on the corpus.")
public final class MemoryBenchCommand implements Callable<Integer> {
  @Mixin ConfigOptions config;
  @Option(names = "--steps", defaultValue = "3",
      description = "training steps; the peak settles after the first, once the allocator holds a step's blocks")
  int steps;
  @Option(names = "--checkpoint",
      description = "after the steps, write a checkpoint as training does (into a temporary directory, deleted after); "
          + "the peak then includes it")
  boolean checkpoint;

  @Override
  public Integer call() throws IOException {
    CohortConfig loaded = config.load();
    if (loaded.parallel().workers() > 1) {
      System.out.println(WorkerMemoryBench.run(config, steps)); // parallel.pp x dp worker JVMs
      return 0;
    }
    Threads.configure(loaded.train().threads());
    System.out.println(MemoryBenchmark.run(loaded, steps, checkpoint));
    return 0;
  }
}
