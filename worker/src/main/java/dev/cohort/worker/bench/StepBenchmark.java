package dev.cohort.worker.bench;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.management.OperatingSystemMXBean;
import dev.cohort.config.CohortConfig;
import dev.cohort.device.DeviceMemory;
import dev.cohort.device.Devices;
import dev.cohort.model.Parameters;
import dev.cohort.model.Transformer;
import dev.cohort.model.layout.ModelLayout;
import dev.cohort.worker.train.AdamW;
import dev.cohort.worker.train.Batch;
import dev.cohort.worker.train.BatchSource;
import dev.cohort.worker.train.StepResult;
import dev.cohort.worker.train.TrainingStep;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Median time of full training steps (forward, backward, clipping, AdamW) of a model on random tokens, in the
 * configured train.precision, and the process's resident memory across the run (flat when nothing leaks).
 */
public final class StepBenchmark {
  /** Resident-memory readings spread evenly over the timed steps (flat when nothing leaks). */
  private static final int RSS_SAMPLES = 10;

  private StepBenchmark() {}

  public static ObjectNode run(CohortConfig config, int warmup, int steps) {
    try (NDManager manager = Devices.manager(config.train())) {
      Parameters params = Parameters.initialize(ModelLayout.of(config.model()), config.run().seed(), manager,
          DataType.FLOAT32);
      params.requireGradients();
      Transformer model = new Transformer(config.model(), params, manager, config.train());
      TrainingStep step = new TrainingStep(config.train(), model, params, new AdamW(config.train(), params),
          randomTokens(config), manager);
      double[] stepMs = new double[steps];
      double[] forward = new double[steps];
      double[] backward = new double[steps];
      double[] optimizer = new double[steps];
      double[] cpuMs = new double[steps];
      double loss = Double.NaN;
      DeviceMemory deviceMemory = null; // the most in use after any timed step, on a GPU
      int skipped = 0; // fp16-mixed's overflow steps (no optimizer update) would flatter the median: count them
      for (int i = 0; i < warmup; i++) step.run(i);
      double rssAfterWarmup = ProcessMemory.residentMib();
      double rssMax = rssAfterWarmup;
      List<Double> rssSamples = new ArrayList<>();
      int sampleEvery = Math.max(1, steps / RSS_SAMPLES);
      for (int i = 0; i < steps; i++) {
        long cpuStart = processCpuNanos();
        long start = System.nanoTime();
        StepResult r = step.run(warmup + i);
        stepMs[i] = (System.nanoTime() - start) / 1e6;
        cpuMs[i] = (processCpuNanos() - cpuStart) / 1e6;
        forward[i] = r.forwardMs();
        backward[i] = r.backwardMs();
        optimizer[i] = r.optimizerMs();
        loss = r.loss();
        deviceMemory = DeviceMemory.peak(deviceMemory, manager.getDevice());
        if (r.skipped()) skipped++;
        double rss = ProcessMemory.residentMib();
        rssMax = Math.max(rssMax, rss);
        if ((i + 1) % sampleEvery == 0) rssSamples.add(rss);
      }
      ObjectNode out = report(config, params.count(), stepMs, forward, backward, optimizer, rssAfterWarmup, rssMax);
      // As the PyTorch peer's step_cpu_ms: on a loaded machine wall time grows while CPU time per step does not.
      out.put("step_cpu_ms", median(cpuMs));
      out.put("loss", loss); // of the last timed step: finite when the device computes what it should
      out.put("device", config.train().deviceName().toString());
      if (deviceMemory != null) {
        out.put("device_memory_used_bytes_max", deviceMemory.usedBytes());
        out.put("device_memory_total_bytes", deviceMemory.totalBytes());
      }
      out.put("skipped_steps", skipped);
      out.set("rss_mib_samples", out.arrayNode().addAll(rssSamples.stream()
          .map(v -> out.numberNode(Math.round(v * 10) / 10.0)).toList()));
      return out;
    }
  }

  /** Uniform random tokens of the configured batch shape, the same for every run of (step, micro-batch). */
  static BatchSource randomTokens(CohortConfig config) {
    int batch = config.train().microBatchSize();
    int seq = config.data().seqLen();
    int vocab = config.model().vocabSize();
    return (manager, step, micro) -> {
      SplittableRandom random = new SplittableRandom(step * 1_000_003L + micro);
      long[] tokens = random.longs((long) batch * (seq + 1), 0, vocab).toArray();
      Shape shape = new Shape(batch, seq);
      long[] inputs = new long[batch * seq];
      long[] targets = new long[batch * seq];
      for (int b = 0; b < batch; b++) {
        System.arraycopy(tokens, b * (seq + 1), inputs, b * seq, seq);
        System.arraycopy(tokens, b * (seq + 1) + 1, targets, b * seq, seq);
      }
      return new Batch(manager.create(inputs, shape), manager.create(targets, shape));
    };
  }

  private static ObjectNode report(CohortConfig config, long params, double[] stepMs, double[] forward,
      double[] backward, double[] optimizer, double rssAfterWarmup, double rssMax) {
    ObjectNode out = new ObjectMapper().createObjectNode();
    double median = median(stepMs);
    long tokens = (long) config.train().globalBatch() * config.data().seqLen();
    out.put("impl", "cohort-djl");
    out.put("threads", config.train().threads());
    out.put("step_ms", median);
    out.put("tokens_per_s", tokens * 1000.0 / median);
    out.put("forward_ms", median(forward));
    out.put("backward_ms", median(backward));
    out.put("optimizer_ms", median(optimizer));
    out.put("params", params);
    out.put("steps", stepMs.length);
    out.put("rss_mib_after_warmup", rssAfterWarmup);
    out.put("rss_mib_end", ProcessMemory.residentMib());
    out.put("rss_mib_max", rssMax);
    return out;
  }

  /** CPU time of the whole process (every thread), as Python's time.process_time() in the peer. */
  static long processCpuNanos() {
    return ((OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
  }

  static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }
}
