package dev.cohort.coordinator;

import dev.cohort.config.TrainConfig;
import dev.cohort.run.GradClipping;
import dev.cohort.run.LrSchedule;
import java.util.Optional;

/**
 * The update every worker applies after a step, decided once from the global gradient norm so that all replicas
 * stay equal.
 *
 * @param lr the step's learning rate
 * @param clipScale the factor every gradient is multiplied by (1 when the norm is within train.grad-clip)
 */
record Update(double lr, double clipScale) {
  /**
   * The step's update; empty when the gradient is not finite, in which case weights and optimizer state stay
   * untouched, as in the single-worker step.
   */
  static Optional<Update> of(TrainConfig train, long step, double gradNorm) {
    if (!Double.isFinite(gradNorm)) return Optional.empty();
    return Optional.of(new Update(LrSchedule.of(train).at(step), GradClipping.scale(train, gradNorm)));
  }
}
