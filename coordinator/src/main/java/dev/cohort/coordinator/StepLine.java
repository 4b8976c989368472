package dev.cohort.coordinator;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cohort.protocol.CoordinatorProtocol.Gradients;
import dev.cohort.protocol.StepSummary;
import dev.cohort.run.LossScaler;
import dev.cohort.run.MetricsLog;
import java.util.Comparator;
import java.util.List;

/** One metrics.jsonl line of a distributed step: the single-worker fields plus each worker's time split. */
final class StepLine {
  /** A GPU worker's used device memory after the step (the CPU's figure is each process's RSS, in Prometheus). */
  static final String DEVICE_MEMORY = MetricsLog.DEVICE_MEMORY;
  /** The worker process's peak resident memory so far, bytes (VmHWM: what the machine had to have for it). */
  static final String PEAK_RSS = "peak_rss_bytes";
  /** The weights, gradients and AdamW moments the worker holds, bytes (parallel.zero shrinks the moments). */
  static final String STATE_BYTES = "state_bytes";

  private StepLine() {}

  /** @param decision the step's decision from the global norm (its unscaled norm, skip and loss scale are logged) */
  static ObjectNode of(long step, StepSummary summary, double lr, LossScaler.Decision decision, double stepMs,
      double tokensPerSecond, List<Gradients> reports) {
    ObjectNode line = MetricsLog.line(step, summary.loss(), summary.auxLoss(), summary.zLoss(), lr,
        decision.gradNorm(), decision.skipped(), decision.lossScale(), tokensPerSecond, stepMs, summary.expertTokens(),
        summary.droppedTokens(), summary.routerEntropy());
    if (summary.routerBiases().length > 0) {
      int experts = summary.expertTokens()[0].length;
      MetricsLog.putRouterBiases(line, MetricsLog.rows(summary.routerBiases(), experts));
    }
    ArrayNode workers = line.putArray("workers");
    reports.stream().sorted(Comparator.comparing(Gradients::workerId)).forEach(g -> {
      ObjectNode w = workers.addObject();
      w.put("worker", g.workerId());
      w.put("stage", g.report().stage());
      w.put("replica", g.report().replica());
      w.put("forward_ms", g.report().forwardMs());
      w.put("backward_ms", g.report().backwardMs());
      w.put("communication_ms", g.report().commMs());
      w.put("idle_ms", g.report().idleMs());
      if (g.report().deviceMemoryBytes() >= 0) w.put(DEVICE_MEMORY, g.report().deviceMemoryBytes());
      if (g.report().peakResidentBytes() >= 0) w.put(PEAK_RSS, g.report().peakResidentBytes());
      w.put(STATE_BYTES, g.report().stateBytes());
    });
    return line;
  }
}
