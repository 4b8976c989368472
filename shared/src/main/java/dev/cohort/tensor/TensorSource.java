package dev.cohort.tensor;

/**
 * A tensor whose dtype and shape are known now and whose elements are produced only when asked. This is what lets a
 * checkpoint writer lay out a file's header first and then hold one tensor's bytes at a time, instead of a host copy
 * of every parameter and moment at once (12 bytes per parameter more than training itself needs).
 */
public interface TensorSource {
  DType dtype();

  /** Dimensions, outermost first. */
  long[] shape();

  /** The elements as they are now; a writer calls this once, when it reaches this tensor, and then lets go of it. */
  HostTensor read();
}
