package dev.cohort.worker.align;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/** Tensors read back to the host as doubles, whatever their dtype. */
final class TrainingScalars {
  private TrainingScalars() {}

  static double of(NDArray scalar) {
    return scalar.toType(DataType.FLOAT64, false).getDouble();
  }

  static double[] values(NDArray vector) {
    return vector.toType(DataType.FLOAT64, false).toDoubleArray();
  }
}
