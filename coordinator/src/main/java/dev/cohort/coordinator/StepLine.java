package dev.cohort.coordinator;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cohort.protocol.CoordinatorProtocol.Gradients;
import dev.cohort.protocol.StepSummary;
import dev.cohort.run.MetricsLog;
import java.util.Comparator;
import java.util.List;

/** One metrics.jsonl line of a distributed step: the single-worker fields plus each worker's time split. */
final class StepLine {
  /** A GPU worker's used device memory after the step (the CPU's figure is each process's RSS, in Prometheus). */
  static final String DEVICE_MEMORY = MetricsLog.DEVICE_MEMORY;

  private StepLine() {}

  static ObjectNode of(long step, StepSummary summary, double lr, boolean skipped, double stepMs,
      double tokensPerSecond, List<Gradients> reports) {
    ObjectNode line = MetricsLog.line(step, summary.loss(), summary.auxLoss(), summary.zLoss(), lr,
        summary.gradNorm(), skipped, tokensPerSecond, stepMs, summary.expertTokens(), summary.droppedTokens(),
        summary.routerEntropy());
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
    });
    return line;
  }
}
