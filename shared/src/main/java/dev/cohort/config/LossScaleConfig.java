package dev.cohort.config;

/**
 * Dynamic loss scaling for train.precision = fp16-mixed, as PyTorch's torch.amp.GradScaler does it: the loss is
 * multiplied by the scale before backward so small float16 gradients do not flush to zero; a step whose gradients
 * hold an inf or NaN is skipped and the scale shrinks; after growthInterval clean steps in a row it grows. Not used
 * in fp32 (the scale stays 1, a non-finite step is still skipped).
 *
 * @param initial the scale of the first step (GradScaler's init_scale, 2^16)
 * @param growthFactor the scale is multiplied by this after growthInterval clean steps (> 1)
 * @param backoffFactor the scale is multiplied by this after a step with a non-finite gradient (in (0, 1))
 * @param growthInterval clean steps in a row before the scale grows
 */
public record LossScaleConfig(double initial, double growthFactor, double backoffFactor, int growthInterval) {

  void validate(String path) {
    Check.positive(path + ".initial", initial);
    Check.that(Double.isFinite(initial), path + ".initial", "must be finite, got " + initial);
    Check.that(growthFactor > 1, path + ".growth-factor", "must be > 1, got " + growthFactor);
    Check.that(backoffFactor > 0 && backoffFactor < 1, path + ".backoff-factor",
        "must be in (0, 1), got " + backoffFactor);
    Check.positive(path + ".growth-interval", growthInterval);
  }
}
