package dev.cohort.worker.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cohort.config.CohortConfig;
import dev.cohort.device.Devices;
import dev.cohort.model.layout.ModelLayout;
import dev.cohort.model.Parameters;
import dev.cohort.model.Transformer;
import dev.cohort.worker.train.AdamW;
import dev.cohort.worker.train.TrainingStep;
import java.util.Collection;

/**
 * Peak resident memory of a single worker training the configured model (micro-batch, sequence length, gradient
 * accumulation and recompute mode as configured) on random tokens, and what it comes to per parameter. The peak
 * counts everything the process maps: JVM, PyTorch's library, parameters, gradients, AdamW moments, activations
 * and the allocator's cached blocks, so it is what a machine must have, not what the tensors alone need.
 */
public final class MemoryBenchmark {
  private static final double MIB = 1024.0 * 1024.0;

  private MemoryBenchmark() {}

  /**
   * @param checkpoint after the steps, write a checkpoint as training does (into a temporary directory, deleted
   *     after) so the peak includes what writing one costs; it must cost no second copy of the state
   */
  public static ObjectNode run(CohortConfig config, int steps, boolean checkpoint) {
    try (NDManager manager = Devices.manager(config.train())) {
      // The engine is loaded (the manager above made it so) and no model exists yet: the floor every run pays.
      double baselineMib = ProcessMemory.residentMib();
      Parameters params = Parameters.initialize(ModelLayout.of(config.model()), config.run().seed(), manager,
          DataType.FLOAT32);
      params.requireGradients();
      Transformer model = new Transformer(config.model(), params, manager, config.train());
      AdamW optimizer = new AdamW(config.train(), params);
      TrainingStep step = new TrainingStep(config.train(), model, params, optimizer,
          StepBenchmark.randomTokens(config), manager);
      double[] stepMs = new double[steps];
      double[] cpuMs = new double[steps];
      for (int i = 0; i < steps; i++) {
        long cpuStart = StepBenchmark.processCpuNanos();
        long start = System.nanoTime();
        step.run(i);
        stepMs[i] = (System.nanoTime() - start) / 1e6;
        cpuMs[i] = (StepBenchmark.processCpuNanos() - cpuStart) / 1e6;
      }
      ObjectNode out = new ObjectMapper().createObjectNode();
      if (checkpoint) {
        out.put("peak_rss_before_checkpoint_mib", ProcessMemory.peakResidentMib());
        long start = System.nanoTime();
        out.put("checkpoint_bytes", CheckpointProbe.write(params, optimizer, step, config, steps));
        out.put("checkpoint_ms", (System.nanoTime() - start) / 1e6);
      }
      double peakMib = ProcessMemory.peakResidentMib();
      long count = params.count();
      long weightBytes = bytes(params.arrays());
      long stateBytes = 2 * weightBytes + bytes(optimizer.moments().values()); // a gradient per weight, 2 moments
      out.put("params", count);
      out.put("micro_batch", config.train().microBatchSize());
      out.put("seq_len", config.data().seqLen());
      out.put("grad_accum_steps", config.train().gradAccumSteps());
      out.put("recompute", config.train().recompute());
      out.put("steps", steps);
      // Medians over every step, the first included: a cost comparison between runs of one command, not a speed.
      out.put("step_ms", StepBenchmark.median(stepMs));
      out.put("step_cpu_ms", StepBenchmark.median(cpuMs));
      out.put("peak_rss_mib", peakMib);
      out.put("baseline_rss_mib", baselineMib);
      out.put("bytes_per_param", peakMib * MIB / count);
      out.put("model_bytes_per_param", (peakMib - baselineMib) * MIB / count);
      out.put("state_bytes_per_param", (double) stateBytes / count);
      return out;
    }
  }

  private static long bytes(Collection<NDArray> arrays) {
    return arrays.stream().mapToLong(a -> a.size() * a.getDataType().getNumOfBytes()).sum();
  }
}
