package dev.cohort.worker.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.cohort.config.CohortConfig;
import dev.cohort.model.Parameters;
import dev.cohort.model.Transformer;
import dev.cohort.model.layout.ModelLayout;
import dev.cohort.model.layout.ParamNames;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class TrainingStepTest {
  @Test
  void aNonFiniteGradientSkipsTheUpdateAndLeavesTheWeightsAlone() {
    CohortConfig config = CohortConfig.load(Path.of("../conf/model/tiny.conf"), List.of("data.seq-len = 8"));
    try (NDManager manager = NDManager.newBaseManager()) {
      Parameters params = Parameters.initialize(ModelLayout.of(config.model()), 1, manager, DataType.FLOAT32);
      params.requireGradients();
      Transformer model = new Transformer(config.model(), params, manager);
      BatchSource batches = (m, step, micro) -> new Batch(
          m.create(new long[] {1, 2, 3, 4, 5, 6, 7, 8}, new Shape(1, 8)),
          m.create(new long[] {2, 3, 4, 5, 6, 7, 8, 9}, new Shape(1, 8)));
      TrainingStep step = new TrainingStep(config.train(), model, params, new AdamW(config.train(), params),
          batches, manager);
      assertFalse(step.run(0).skipped(), "a healthy step updates");

      params.get(ParamNames.FINAL_NORM).muli(Float.NaN);
      float[] before = params.get(ParamNames.attention(0, "q_proj")).toFloatArray();
      StepResult poisoned = step.run(1);
      assertTrue(poisoned.skipped(), "grad norm " + poisoned.gradNorm());
      assertArrayEquals(before, params.get(ParamNames.attention(0, "q_proj")).toFloatArray(), 0f);
    }
  }
}
