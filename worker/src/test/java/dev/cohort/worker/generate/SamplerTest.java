package dev.cohort.worker.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SamplerTest {
  private static final float[] LOGITS = {1.0f, 3.0f, 2.0f, -1.0f};

  @Test
  void temperatureZeroTopKOneAndATinyNucleusAreAllGreedy() {
    SplittableRandom random = new SplittableRandom(1);
    assertEquals(1, new Sampler(0, 0, 1).sample(LOGITS, random));
    for (int i = 0; i < 50; i++) {
      assertEquals(1, new Sampler(1.0, 1, 1).sample(LOGITS, random));
      assertEquals(1, new Sampler(1.0, 0, 1e-6).sample(LOGITS, random));
    }
  }

  @Test
  void topKNeverPicksOutsideTheKMostLikely() {
    SplittableRandom random = new SplittableRandom(2);
    for (int i = 0; i < 500; i++) {
      int token = new Sampler(5.0, 2, 1).sample(LOGITS, random);
      assertTrue(token == 1 || token == 2, "picked " + token);
    }
  }

  @Test
  void samplesFollowTheSoftmaxAtTemperatureOne() {
    SplittableRandom random = new SplittableRandom(3);
    int[] counts = new int[4];
    int draws = 20_000;
    for (int i = 0; i < draws; i++) counts[new Sampler(1.0, 0, 1).sample(LOGITS, random)]++;
    double z = Math.exp(1) + Math.exp(3) + Math.exp(2) + Math.exp(-1);
    assertEquals(Math.exp(3) / z, counts[1] / (double) draws, 0.015);
    assertEquals(Math.exp(2) / z, counts[2] / (double) draws, 0.015);
  }

  @Test
  void rejectsSettingsOutsideTheirRange() {
    assertThrows(IllegalArgumentException.class, () -> new Sampler(-1, 0, 1));
    assertThrows(IllegalArgumentException.class, () -> new Sampler(1, -1, 1));
    assertThrows(IllegalArgumentException.class, () -> new Sampler(1, 0, 0));
  }
}
