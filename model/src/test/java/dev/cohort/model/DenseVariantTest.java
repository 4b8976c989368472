package dev.cohort.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cohort.config.CohortConfig;
import dev.cohort.config.ModelConfig;
import dev.cohort.model.layout.ModelLayout;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Every MoE model in conf/model has a dense twin (NAME-dense.conf) with the same active parameter count. */
class DenseVariantTest {
  private static final Path MODELS = Path.of("../conf/model");
  /** The dense twin lacks only the routers (E x d per MoE layer): well under 1% of the active parameters. */
  private static final double TOLERANCE = 0.01;

  @Test
  void everyMoeModelHasADenseTwinWithEqualActiveParameters() throws IOException {
    List<Path> moeConfs;
    try (Stream<Path> files = Files.list(MODELS)) {
      moeConfs = files.filter(f -> f.toString().endsWith(".conf") && !f.toString().endsWith("-dense.conf")).toList();
    }
    assertTrue(moeConfs.size() >= 2, "expected tiny.conf and demo-25m.conf in " + MODELS);
    for (Path moeConf : moeConfs) {
      Path denseConf = MODELS.resolve(moeConf.getFileName().toString().replace(".conf", "-dense.conf"));
      assertTrue(Files.isRegularFile(denseConf), moeConf + " has no dense twin " + denseConf);
      ModelConfig moe = CohortConfig.load(moeConf, List.of()).model();
      ModelConfig dense = CohortConfig.load(denseConf, List.of()).model();
      assertEquals(0, dense.moeLayerCount(), denseConf + " must have no MoE layer");
      long moeActive = ModelLayout.activeParameterCount(moe);
      long denseActive = ModelLayout.activeParameterCount(dense);
      assertEquals(ModelLayout.parameterCount(dense), denseActive, "a dense model's parameters are all active");
      double gap = Math.abs(moeActive - denseActive) / (double) moeActive;
      assertTrue(gap < TOLERANCE, moeConf + ": " + moeActive + " active vs dense " + denseActive + " (" + gap + ")");
      long routers = (long) moe.moeLayerCount() * moe.moe().numExperts() * moe.hiddenSize();
      assertEquals(routers, moeActive - denseActive, moeConf + ": the only difference should be the routers");
    }
  }
}
