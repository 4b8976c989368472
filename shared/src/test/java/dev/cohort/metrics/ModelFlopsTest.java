package dev.cohort.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.cohort.config.CohortConfig;
import dev.cohort.config.ModelConfig;
import dev.cohort.model.layout.ModelLayout;
import dev.cohort.model.layout.ParamSpec;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class ModelFlopsTest {
  private static ModelConfig model(String... overrides) {
    return CohortConfig.load(Path.of("../conf/model/tiny.conf"), List.of(overrides)).model();
  }

  /** Matrices of the layers and the LM head: what a token passes through when it visits every expert. */
  private static double everyMatrix(ModelConfig m) {
    double layers = ModelLayout.of(m).stream().filter(s -> s.shape().length == 2 && s.name().contains("layers."))
        .mapToLong(ParamSpec::numel).sum();
    return layers + (double) m.vocabSize() * m.hiddenSize();
  }

  @Test
  void withEveryExpertChosenATokenPassesThroughEveryMatrix() {
    ModelConfig all = model("model.moe.top-k = 4");
    assertEquals(everyMatrix(all), ModelFlops.activeMatmulParams(all), 1e-6);
  }

  @Test
  void eachMoreExpertATokenVisitsAddsOneExpertsMatrices() {
    ModelConfig top2 = model("model.moe.top-k = 2");
    ModelConfig top4 = model("model.moe.top-k = 4");
    double oneExpert = 3.0 * top2.moe().expertFfnSize() * top2.hiddenSize(); // w1, w3 and w2
    assertEquals(top2.moeLayerCount() * 2 * oneExpert,
        ModelFlops.activeMatmulParams(top4) - ModelFlops.activeMatmulParams(top2), 1e-6);
  }

  @Test
  void trainingCostsSixFlopsPerActiveParameterPlusAttentionLinearInContext() {
    ModelConfig m = model();
    double attention128 = ModelFlops.perToken(m, 128) - 6 * ModelFlops.activeMatmulParams(m);
    double attention64 = ModelFlops.perToken(m, 64) - 6 * ModelFlops.activeMatmulParams(m);
    assertEquals(2 * attention64, attention128, 1e-6);
    assertEquals(12.0 * m.numLayers() * m.numHeads() * m.headDim() * 64, attention64, 1e-6);
  }
}
