package dev.cohort.run;

import dev.cohort.config.TrainConfig;

/** Linear warm-up from 0 to the peak, then cosine decay to peak x minLrRatio at the last step. */
public record LrSchedule(double peak, int warmupSteps, int totalSteps, double minLrRatio) {

  public static LrSchedule of(TrainConfig train) {
    return new LrSchedule(train.lr(), train.warmupSteps(), train.steps(), train.minLrRatio());
  }

  /** Learning rate of optimizer step {@code step} (0-based). */
  public double at(long step) {
    if (step < warmupSteps) return peak * (step + 1) / warmupSteps;
    double floor = peak * minLrRatio;
    long decaySteps = Math.max(1, totalSteps - warmupSteps - 1);
    double progress = Math.min(1.0, (step - warmupSteps) / (double) decaySteps);
    return floor + 0.5 * (peak - floor) * (1 + Math.cos(Math.PI * progress));
  }
}
