package dev.cohort.worker.train;

import ai.djl.ndarray.types.DataType;
import dev.cohort.config.TrainConfig;

/** The DJL dtype of the configured precision. */
public final class Precision {
  private Precision() {}

  public static DataType dtype(TrainConfig train) {
    return switch (train.dtype()) {
      case "float64" -> DataType.FLOAT64;
      case "float32" -> DataType.FLOAT32;
      default -> throw new IllegalArgumentException("unsupported dtype " + train.dtype());
    };
  }
}
