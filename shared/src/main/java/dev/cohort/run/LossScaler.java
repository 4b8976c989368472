package dev.cohort.run;

import dev.cohort.checkpoint.TrainingState;
import dev.cohort.config.LossScaleConfig;
import dev.cohort.config.TrainConfig;

/**
 * The dynamic loss scale of fp16-mixed, as torch.amp.GradScaler keeps it: immutable, each optimizer step's outcome
 * gives the next value. In fp32 it is fixed at 1 and only the skip of a non-finite step remains.
 *
 * @param scale what the loss is multiplied by before backward
 * @param cleanSteps finite steps since the scale last changed (GradScaler's growth tracker)
 */
public record LossScaler(double scale, int cleanSteps) {
  /** The unit scale of fp32 training: it never changes. */
  public static final LossScaler NONE = new LossScaler(1, 0);

  /** The scaler of a run's first step. */
  public static LossScaler initial(TrainConfig train) {
    return train.mixedPrecision() ? new LossScaler(train.lossScale().initial(), 0) : NONE;
  }

  /** The scaler a checkpoint recorded; one written before loss scaling existed starts from the initial scale. */
  public static LossScaler resumed(TrainingState state, TrainConfig train) {
    if (!train.mixedPrecision() || state.lossScale() <= 0) return initial(train);
    return new LossScaler(state.lossScale(), state.lossScaleCleanSteps());
  }

  /**
   * What the optimizer does with gradients of the scaled loss whose global norm is {@code scaledGradNorm}.
   *
   * @param skipped the gradients hold an inf or NaN somewhere (a non-finite norm): no update at all
   * @param lossScale the scale the step's loss was multiplied by
   * @param gradNorm the norm of the true (unscaled) gradients, for clipping and metrics
   * @param gradScale what every gradient is multiplied by in the update: unscaling and clipping in one factor
   * @param next the scaler of the following step
   */
  public record Decision(boolean skipped, double lossScale, double gradNorm, double gradScale, LossScaler next) {}

  /** The step's decision: one pure function so a single worker and the coordinator of many decide alike. */
  public Decision decide(double scaledGradNorm, TrainConfig train) {
    double gradNorm = scaledGradNorm / scale;
    if (!Double.isFinite(scaledGradNorm)) return new Decision(true, scale, gradNorm, 0, afterOverflow(train));
    return new Decision(false, scale, gradNorm, GradClipping.scale(train, gradNorm) / scale, afterCleanStep(train));
  }

  private LossScaler afterOverflow(TrainConfig train) {
    return train.mixedPrecision() ? new LossScaler(scale * train.lossScale().backoffFactor(), 0) : this;
  }

  private LossScaler afterCleanStep(TrainConfig train) {
    if (!train.mixedPrecision()) return this;
    LossScaleConfig config = train.lossScale();
    if (cleanSteps + 1 < config.growthInterval()) return new LossScaler(scale, cleanSteps + 1);
    double grown = scale * config.growthFactor();
    // As GradScaler: a scale that would overflow to inf does not grow.
    return new LossScaler(Double.isFinite(grown) ? grown : scale, 0);
  }
}
