package dev.cohort.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class TrainingMetricsTest {
  private static JsonNode counts(int... c) {
    return new ObjectMapper().valueToTree(c);
  }

  @Test
  void evenLoadHasEntropyOneAndAllOnOneExpertZero() {
    assertEquals(1.0, TrainingMetrics.normalizedEntropy(counts(5, 5, 5, 5)), 1e-12);
    assertEquals(0.0, TrainingMetrics.normalizedEntropy(counts(0, 20, 0, 0)), 1e-12);
  }

  @Test
  void unevenLoadLiesBetween() {
    double e = TrainingMetrics.normalizedEntropy(counts(10, 5, 3, 2));
    assertTrue(e > 0 && e < 1, "entropy " + e);
  }
}
