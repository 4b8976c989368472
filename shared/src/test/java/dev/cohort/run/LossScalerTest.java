package dev.cohort.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cohort.config.CohortConfig;
import dev.cohort.config.TrainConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

class LossScalerTest {
  private static final int GROWTH_INTERVAL = 3;

  private static TrainConfig train(String precision) {
    return CohortConfig.load(null, List.of("train.precision = " + precision, "train.grad-clip = 1.0",
        "train.loss-scale.growth-interval = " + GROWTH_INTERVAL)).train();
  }

  @Test
  void startsAtTheConfiguredScaleInFp16MixedAndAtOneInFp32() {
    assertEquals(train("fp16-mixed").lossScale().initial(), LossScaler.initial(train("fp16-mixed")).scale());
    assertSame(LossScaler.NONE, LossScaler.initial(train("fp32")));
  }

  @Test
  void aNonFiniteNormSkipsTheStepAndBacksOffTheScale() {
    TrainConfig train = train("fp16-mixed");
    LossScaler scaler = new LossScaler(1024, 2);
    for (double norm : new double[] {Double.POSITIVE_INFINITY, Double.NaN}) {
      LossScaler.Decision decision = scaler.decide(norm, train);
      assertTrue(decision.skipped());
      assertEquals(1024, decision.lossScale());
      assertEquals(new LossScaler(1024 * train.lossScale().backoffFactor(), 0), decision.next());
    }
  }

  @Test
  void theScaleGrowsAfterTheConfiguredNumberOfCleanStepsInARow() {
    TrainConfig train = train("fp16-mixed");
    LossScaler scaler = new LossScaler(1024, 0);
    for (int step = 1; step < GROWTH_INTERVAL; step++) {
      scaler = scaler.decide(1.0, train).next();
      assertEquals(1024, scaler.scale(), "no growth after " + step + " clean steps");
    }
    scaler = scaler.decide(1.0, train).next();
    assertEquals(new LossScaler(1024 * train.lossScale().growthFactor(), 0), scaler);
  }

  @Test
  void theUpdateUnscalesTheGradientsAndClipsOnTheTrueNorm() {
    TrainConfig train = train("fp16-mixed");
    LossScaler scaler = new LossScaler(1024, 0);
    LossScaler.Decision small = scaler.decide(0.5 * 1024, train);
    assertFalse(small.skipped());
    assertEquals(0.5, small.gradNorm());
    assertEquals(1.0 / 1024, small.gradScale(), 1e-15, "below the clip threshold: unscaling only");
    LossScaler.Decision large = scaler.decide(4.0 * 1024, train);
    assertEquals(4.0, large.gradNorm());
    assertEquals(GradClipping.scale(train, 4.0) / 1024, large.gradScale(), 1e-15);
  }

  @Test
  void fp32KeepsTheUnitScaleAndStillSkipsANonFiniteStep() {
    TrainConfig train = train("fp32");
    assertSame(LossScaler.NONE, LossScaler.NONE.decide(Double.NaN, train).next());
    assertTrue(LossScaler.NONE.decide(Double.NaN, train).skipped());
    LossScaler.Decision clean = LossScaler.NONE.decide(0.5, train);
    assertEquals(1.0, clean.gradScale());
    assertSame(LossScaler.NONE, clean.next());
  }
}
