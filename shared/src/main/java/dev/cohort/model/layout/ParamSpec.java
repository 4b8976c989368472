package dev.cohort.model.layout;

/**
 * One parameter of the model: its global name, its shape, and how it is initialised.
 *
 * @param initStd standard deviation of its normal init; 0 means the parameter starts at one (norm weights)
 */
public record ParamSpec(String name, long[] shape, double initStd) {
  public long numel() {
    long n = 1;
    for (long d : shape) n *= d;
    return n;
  }
}
