package dev.cohort.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.cohort.protocol.CoordinatorProtocol.StepReport;
import java.util.List;
import org.junit.jupiter.api.Test;

class StepSummaryTest {
  private static StepReport report(int stage, int replica, double crossEntropySum, long tokens, double... figures) {
    return new StepReport(1, crossEntropySum, 0, 0, stage, replica, new int[0][], new int[0], new double[0], 0, 0, 0,
        0, tokens, figures, -1, new double[0], -1, 0);
  }

  @Test
  void fedTokensAndObjectiveFiguresAddUpOverWorkersThatHaveThem() {
    // pp = 2 x dp = 2: first stages feed tokens, last stages score the loss and its figures.
    List<StepReport> reports = List.of(report(0, 0, 0, 96), report(0, 1, 0, 80), report(1, 0, 1.5, 0, 0.7, 2, 1),
        report(1, 1, 2.5, 0, 0.5, 4, 0));
    StepSummary summary = StepSummary.of(reports, 4, 0);
    assertEquals(176, summary.tokens());
    assertArrayEquals(new double[] {1.2, 6, 1}, summary.objectiveFigures(), 1e-12);
    assertEquals(1.0, summary.loss(), 1e-12, "the loss is per micro-batch");
    assertEquals(2.0, summary.gradNorm(), 1e-12);
  }

  @Test
  void workersDisagreeingOnTheNumberOfFiguresIsAnError() {
    List<StepReport> reports = List.of(report(1, 0, 1, 0, 1, 2), report(1, 1, 1, 0, 1));
    assertThrows(IllegalArgumentException.class, () -> StepSummary.of(reports, 2, 0));
  }

  @Test
  void routerBiasesComeOncePerStageInStageOrder() {
    double[] first = {0.25, -0.25};
    double[] second = {-0.5, 0.5};
    List<StepReport> reports = List.of(withBiases(1, 0, second), withBiases(0, 1, first), withBiases(0, 0, first),
        withBiases(1, 1, second));
    assertArrayEquals(new double[] {0.25, -0.25, -0.5, 0.5}, StepSummary.of(reports, 2, 2).routerBiases());
  }

  private static StepReport withBiases(int stage, int replica, double[] biases) {
    return new StepReport(1, 0, 0, 0, stage, replica, new int[][] {{1, 1}}, new int[1], new double[1], 0, 0, 0, 0,
        0, new double[0], -1, biases, -1, 0);
  }
}
