package dev.cohort.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.cohort.config.CohortConfig;
import dev.cohort.config.ModelConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

/** conf/model/tiny.conf with per-test overrides, and small helpers for building its inputs. */
final class TinyModel {
  static final Path TINY = Path.of("../conf/model/tiny.conf");

  private TinyModel() {}

  static ModelConfig config(String... modelOverrides) {
    List<String> overrides = java.util.Arrays.stream(modelOverrides).map(o -> "model." + o).toList();
    return CohortConfig.load(TINY, overrides).model();
  }

  static NDArray randomTokens(NDManager manager, int vocab, int batch, int seq, long seed) {
    Random random = new Random(seed);
    long[] tokens = new long[batch * seq];
    for (int i = 0; i < tokens.length; i++) tokens[i] = random.nextInt(vocab);
    return manager.create(tokens, new Shape(batch, seq));
  }

  static NDArray randomNormal(NDManager manager, Shape shape, DataType dtype, long seed) {
    Random random = new Random(seed);
    double[] values = new double[Math.toIntExact(shape.size())];
    for (int i = 0; i < values.length; i++) values[i] = random.nextGaussian();
    return manager.create(values, shape).toType(dtype, false);
  }
}
