package dev.cohort.cli;

import dev.cohort.config.CohortConfig;
import dev.cohort.worker.bench.MemoryBenchmark;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "memory", mixinStandardHelpOptions = true,
    description = "Peak resident memory of training steps of the configured model on random tokens, and bytes per "
        + "parameter (peak, above the JVM and engine's floor, and of weights + gradients + AdamW moments).")
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
  public Integer call() {
    CohortConfig loaded = config.load();
    Threads.configure(loaded.train().threads());
    System.out.println(MemoryBenchmark.run(loaded, steps, checkpoint));
    return 0;
  }
}
