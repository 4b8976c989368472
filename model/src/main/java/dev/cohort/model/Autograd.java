package dev.cohort.model;

import ai.djl.ndarray.NDArray;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

/**
 * PyTorch autograd driven directly, without DJL's GradientCollector (of which only one may be open per JVM, and
 * whose zeroGradients walks every array). Grad mode is per thread in PyTorch: set it on the thread that computes.
 */
public final class Autograd {
  private Autograd() {}

  /** Turns graph recording on or off for the calling thread. */
  public static void record(boolean on) {
    JniUtils.setGradMode(on);
  }

  public static boolean recording() {
    return JniUtils.isGradMode();
  }

  /** Backpropagates a scalar; gradients accumulate into the leaves' .grad. */
  public static void backward(NDArray scalar) {
    backward(scalar, false);
  }

  public static void backward(NDArray scalar, boolean keepGraph) {
    try (NDArray one = scalar.onesLike()) {
      backward(scalar, one, keepGraph);
    }
  }

  /** Backpropagates {@code output} given dLoss/dOutput computed elsewhere (the next pipeline stage). */
  public static void backward(NDArray output, NDArray outputGradient) {
    backward(output, outputGradient, false);
  }

  /** @param keepGraph keep the graph for a later backward through the same tensors (expert parallelism) */
  public static void backward(NDArray output, NDArray outputGradient, boolean keepGraph) {
    JniUtils.backward((PtNDArray) output, (PtNDArray) outputGradient, keepGraph, false);
  }

  /** Sets every leaf's accumulated gradient to zero (gradients accumulate across backwards until zeroed). */
  public static void zeroGradients(Iterable<NDArray> leaves) {
    for (NDArray leaf : leaves) JniUtils.zeroGrad((PtNDArray) leaf);
  }
}
