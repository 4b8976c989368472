package dev.cohort.coordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cohort.config.CohortConfig;
import dev.cohort.protocol.CoordinatorProtocol.Gradients;
import dev.cohort.protocol.CoordinatorProtocol.StepReport;
import dev.cohort.protocol.StepSummary;
import dev.cohort.run.LossScaler;
import java.util.List;
import org.junit.jupiter.api.Test;

class StepLineTest {
  private static final long STATE_BYTES = 16L * 1000;

  private static Gradients gradients(String worker, int stage, long deviceMemoryBytes) {
    return gradients(worker, stage, deviceMemoryBytes, -1);
  }

  private static Gradients gradients(String worker, int stage, long deviceMemoryBytes, long peakResidentBytes) {
    StepReport report = new StepReport(1, stage == 1 ? 2.0 : 0, 0, 0, stage, 0, new int[0][], new int[0],
        new double[0], 1, 2, 0, 0, stage == 0 ? 64 : 0, new double[0], deviceMemoryBytes, new double[0],
        peakResidentBytes, STATE_BYTES);
    return new Gradients("run", 0, 3, worker, report);
  }

  @Test
  void aGpuWorkersDeviceMemoryIsInItsEntryAndACpuWorkerHasNone() {
    List<Gradients> reports = List.of(gradients("a", 0, 5L << 30), gradients("b", 1, -1));
    StepSummary summary = StepSummary.of(reports.stream().map(Gradients::report).toList(), 1, 0);
    LossScaler.Decision update = LossScaler.NONE.decide(summary.gradNorm(), CohortConfig.defaults().train());
    JsonNode workers = StepLine.of(3, summary, 1e-3, update, 10, 6400, reports).get("workers");
    assertEquals(5L << 30, workers.get(0).get(StepLine.DEVICE_MEMORY).asLong());
    assertFalse(workers.get(1).has(StepLine.DEVICE_MEMORY));
  }

  @Test
  void eachWorkersPeakResidentMemoryAndHeldStateAreInItsEntryAndAMissingPeakIsLeftOut() {
    List<Gradients> reports = List.of(gradients("a", 0, -1, 3L << 30), gradients("b", 1, -1, -1));
    StepSummary summary = StepSummary.of(reports.stream().map(Gradients::report).toList(), 1, 0);
    LossScaler.Decision update = LossScaler.NONE.decide(summary.gradNorm(), CohortConfig.defaults().train());
    JsonNode workers = StepLine.of(3, summary, 1e-3, update, 10, 6400, reports).get("workers");
    assertEquals(3L << 30, workers.get(0).get(StepLine.PEAK_RSS).asLong());
    assertFalse(workers.get(1).has(StepLine.PEAK_RSS), "no /proc, no figure");
    assertEquals(STATE_BYTES, workers.get(1).get(StepLine.STATE_BYTES).asLong());
  }
}
