package dev.cohort.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BlendScheduleTest {
  private static final double[] WEIGHTS = {5, 3, 2};
  /** More than two blocks, so block boundaries are crossed. */
  private static final int SAMPLES = 10_000;

  @Test
  void everyPrefixGivesEachSourceItsShareToWithinOneSample() {
    BlendSchedule schedule = new BlendSchedule(WEIGHTS);
    long[] counts = new long[WEIGHTS.length];
    for (int n = 1; n <= SAMPLES; n++) {
      counts[schedule.draw(n - 1).source()]++;
      for (int d = 0; d < WEIGHTS.length; d++) {
        double share = WEIGHTS[d] / 10 * n;
        assertTrue(Math.abs(counts[d] - share) < 1, "source " + d + " after " + n + ": " + counts[d] + " vs " + share);
      }
    }
  }

  @Test
  void aSampleIsTheSameWhateverOrderSamplesAreAskedIn() {
    BlendSchedule inOrder = new BlendSchedule(WEIGHTS);
    List<BlendSchedule.Draw> expected = new ArrayList<>();
    for (int g = 0; g < SAMPLES; g++) expected.add(inOrder.draw(g));
    List<Integer> shuffled = new ArrayList<>();
    for (int g = 0; g < SAMPLES; g++) shuffled.add(g);
    Collections.shuffle(shuffled, new Random(7));
    BlendSchedule resumed = new BlendSchedule(WEIGHTS);
    for (int g : shuffled) assertEquals(expected.get(g), resumed.draw(g), "sample " + g);
  }

  @Test
  void eachSourceReadsItsOwnSamplesInOrder() {
    BlendSchedule schedule = new BlendSchedule(WEIGHTS);
    long[] next = new long[WEIGHTS.length];
    for (int g = 0; g < SAMPLES; g++) {
      BlendSchedule.Draw draw = schedule.draw(g);
      assertEquals(next[draw.source()]++, draw.index(), "sample " + g);
    }
  }
}
