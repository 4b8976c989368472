package dev.cohort.run;

import dev.cohort.config.TrainConfig;

/** Global-norm clipping: the factor every gradient is multiplied by, from the norm over all parameters. */
public final class GradClipping {
  /** Keeps the clipped norm just under the threshold and the division finite (as torch's clip_grad_norm_). */
  private static final double EPSILON = 1e-6;

  private GradClipping() {}

  /** clip / (norm + eps) when the norm exceeds train.grad-clip, else 1 (also when clipping is off). */
  public static double scale(TrainConfig train, double gradNorm) {
    return train.gradClip() > 0 && gradNorm > train.gradClip() ? train.gradClip() / (gradNorm + EPSILON) : 1.0;
  }
}
