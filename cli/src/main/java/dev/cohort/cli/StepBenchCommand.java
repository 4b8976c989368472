package dev.cohort.cli;

import dev.cohort.config.CohortConfig;
import dev.cohort.metrics.ModelFlops;
import dev.cohort.worker.bench.StepBenchmark;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "step", mixinStandardHelpOptions = true,
    description = "Median full training step (forward, backward, optimizer) of an MoE decoder on random tokens.")
public final class StepBenchCommand implements Callable<Integer> {
  @Option(names = "--vocab", defaultValue = "8192") int vocab;
  @Option(names = "--d", defaultValue = "256", description = "model width") int d;
  @Option(names = "--layers", defaultValue = "4") int layers;
  @Option(names = "--heads", defaultValue = "4") int heads;
  @Option(names = "--kv-heads", defaultValue = "2") int kvHeads;
  @Option(names = "--ffn", defaultValue = "512", description = "expert (and dense) SwiGLU width") int ffn;
  @Option(names = "--experts", defaultValue = "8", description = "routed experts; 0 for a dense model") int experts;
  @Option(names = "--topk", defaultValue = "2") int topK;
  @Option(names = "--batch", defaultValue = "8") int batch;
  @Option(names = "--seq", defaultValue = "256") int seq;
  @Option(names = "--threads", defaultValue = "1", description = "PyTorch intra-op threads") int threads;
  @Option(names = "--steps", defaultValue = "10", description = "timed steps") int steps;
  @Option(names = "--warmup", defaultValue = "2", description = "untimed steps first") int warmup;
  @Option(names = "--device", defaultValue = "cpu", description = "cpu, gpu or gpu:N (train.device)") String device;
  @Option(names = "--peak-flops", defaultValue = "1.25e11",
      description = "peak FLOP/s of the device, the denominator of the reported MFU (metrics.peak-flops-per-worker)")
  double peakFlops;

  @Override
  public Integer call() {
    Threads.configure(threads);
    CohortConfig config = CohortConfig.load(null, List.of(
        "model.vocab-size = " + vocab, "model.hidden-size = " + d, "model.num-layers = " + layers,
        "model.num-heads = " + heads, "model.num-kv-heads = " + kvHeads, "model.intermediate-size = " + ffn,
        "model.max-seq-len = " + Math.max(seq, 1), "model.moe.num-experts = " + experts,
        "model.moe.top-k = " + topK, "model.moe.expert-ffn-size = " + ffn, "data.seq-len = " + seq,
        "train.micro-batch-size = " + batch, "train.grad-accum-steps = 1", "train.threads = " + threads,
        "train.warmup-steps = 0", "train.device = \"" + device + "\""));
    var report = StepBenchmark.run(config, warmup, steps);
    double flopsPerToken = ModelFlops.perToken(config.model(), seq);
    report.put("flops_per_token", flopsPerToken).put("peak_flops", peakFlops)
        .put("mfu", report.get("tokens_per_s").asDouble() * flopsPerToken / peakFlops);
    report.put("vocab", vocab).put("d", d).put("layers", layers).put("heads", heads).put("kv_heads", kvHeads)
        .put("ffn", ffn).put("experts", experts).put("topk", topK).put("batch", batch).put("seq", seq);
    System.out.println(report);
    return 0;
  }
}
