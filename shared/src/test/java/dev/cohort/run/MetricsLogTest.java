package dev.cohort.run;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.api.Test;

class MetricsLogTest {
  @Test
  void loadMaxOverMeanIsOneWhenBalancedAndTheExpertCountWhenAllOnOne() {
    int[][] loads = {{5, 5, 5, 5}, {0, 20, 0, 0}, {10, 5, 3, 2}, {0, 0, 0, 0}};
    assertArrayEquals(new double[] {1, 4, 10 / 5.0, 1}, MetricsLog.maxOverMean(loads), 1e-12);
  }
}
