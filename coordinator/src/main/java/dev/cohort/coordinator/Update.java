package dev.cohort.coordinator;

import dev.cohort.config.TrainConfig;
import dev.cohort.run.LossScaler;
import dev.cohort.run.LrSchedule;
import java.util.Optional;

/**
 * The update every worker applies after a step, decided once from the global gradient norm so that all replicas
 * stay equal.
 *
 * @param lr the step's learning rate
 * @param gradScale the factor every gradient is multiplied by: the clipping scale over the step's loss scale
 */
record Update(double lr, double gradScale) {
  /**
   * The step's update from the loss scaler's decision on the global norm; empty when the gradient is not finite
   * anywhere, in which case weights and optimizer state stay untouched on every worker, as in the single-worker step.
   */
  static Optional<Update> of(TrainConfig train, long step, LossScaler.Decision decision) {
    if (decision.skipped()) return Optional.empty();
    return Optional.of(new Update(LrSchedule.of(train).at(step), decision.gradScale()));
  }
}
