package dev.cohort.worker.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.cohort.config.CohortConfig;
import dev.cohort.model.Autocast;
import dev.cohort.model.Ops;
import dev.cohort.config.TrainConfig;
import dev.cohort.model.Parameters;
import dev.cohort.model.Transformer;
import dev.cohort.model.layout.ModelLayout;
import dev.cohort.model.layout.ParamNames;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class TrainingStepTest {
  private static final double RELATIVE_TOLERANCE = 1e-6;
  private static final BatchSource BATCHES = (m, step, micro) -> new Batch(
      m.create(new long[] {1, 2, 3, 4, 5, 6, 7, 8}, new Shape(1, 8)),
      m.create(new long[] {2, 3, 4, 5, 6, 7, 8, 9}, new Shape(1, 8)));

  /** The language-modelling objective whose loss at step {@code poisoned} is multiplied by infinity. */
  private static Objective infiniteLossAt(long poisoned) {
    Objective inner = Objective.languageModelling(BATCHES);
    return new Objective() {
      @Override
      public NDArray tokens(NDManager manager, long step, int microBatch) {
        return inner.tokens(manager, step, microBatch);
      }

      @Override
      public Scored loss(Transformer model, NDManager manager, NDArray hidden, long step, int microBatch) {
        NDArray loss = inner.loss(model, manager, hidden, step, microBatch).loss();
        return Scored.of(step == poisoned ? loss.mul(Ops.scalar(loss, Double.POSITIVE_INFINITY)) : loss);
      }
    };
  }

  private static Map<String, float[]> copies(Map<String, NDArray> arrays) {
    Map<String, float[]> out = new TreeMap<>();
    arrays.forEach((name, array) -> out.put(name, array.toFloatArray()));
    return out;
  }

  private static void assertUnchanged(Map<String, float[]> before, Map<String, NDArray> after) {
    before.forEach((name, values) -> assertArrayEquals(values, after.get(name).toFloatArray(), 0f, name));
  }

  @Test
  void anInfiniteGradientInFp16MixedSkipsThatStepHalvesTheScaleAndGrowsItBackAfterCleanSteps() {
    CohortConfig config = CohortConfig.load(Path.of("../conf/model/tiny.conf"), List.of("data.seq-len = 8",
        "train.precision = fp16-mixed", "train.loss-scale.initial = 1024", "train.loss-scale.growth-interval = 2"));
    int poisoned = 2;
    try (NDManager manager = NDManager.newBaseManager()) {
      Parameters params = Parameters.initialize(ModelLayout.of(config.model()), 1, manager, DataType.FLOAT32);
      params.requireGradients();
      Transformer model = new Transformer(config.model(), params, manager, Autocast.of(config.train()));
      AdamW optimizer = new AdamW(config.train(), params);
      TrainingStep step = new TrainingStep(config.train(), model, params, optimizer, infiniteLossAt(poisoned),
          manager);
      double[] scales = new double[6];
      for (int s = 0; s < scales.length; s++) {
        Map<String, float[]> weights = copies(params.asMap());
        Map<String, float[]> moments = copies(optimizer.moments());
        long optimizerSteps = optimizer.steps();
        StepResult result = step.run(s);
        scales[s] = result.lossScale();
        assertEquals(s == poisoned, result.skipped(), "step " + s + " skipped");
        if (s == poisoned) {
          assertUnchanged(weights, params.asMap());
          assertUnchanged(moments, optimizer.moments());
          assertEquals(optimizerSteps, optimizer.steps(), "AdamW's step count (bias correction) not advanced");
        }
      }
      // Growth after every 2 clean steps, the back-off at the poisoned step, then 2 clean steps to grow again.
      assertArrayEquals(new double[] {1024, 1024, 2048, 1024, 1024, 2048}, scales);
    }
  }

  @Test
  void aNonFiniteGradientSkipsTheUpdateAndLeavesTheWeightsAlone() {
    CohortConfig config = CohortConfig.load(Path.of("../conf/model/tiny.conf"), List.of("data.seq-len = 8"));
    try (NDManager manager = NDManager.newBaseManager()) {
      Parameters params = Parameters.initialize(ModelLayout.of(config.model()), 1, manager, DataType.FLOAT32);
      params.requireGradients();
      Transformer model = new Transformer(config.model(), params, manager);
      TrainingStep step = new TrainingStep(config.train(), model, params, new AdamW(config.train(), params),
          BATCHES, manager);
      assertFalse(step.run(0).skipped(), "a healthy step updates");

      params.get(ParamNames.FINAL_NORM).muli(Float.NaN);
      float[] before = params.get(ParamNames.attention(0, "q_proj")).toFloatArray();
      StepResult poisoned = step.run(1);
      assertTrue(poisoned.skipped(), "grad norm " + poisoned.gradNorm());
      assertArrayEquals(before, params.get(ParamNames.attention(0, "q_proj")).toFloatArray(), 0f);
    }
  }

  /**
   * One micro-batch's gradients are equal bit for bit (RecomputedLayersTest). Over accumulated micro-batches they
   * agree to a rounding: the tied embedding's gradient gets its LM-head and lookup shares from one backward when the
   * layers are recorded, and from two (head first, lookup after the layers) when they are recomputed, so the running
   * sum over micro-batches adds the same terms in another order.
   */
  @Test
  void recomputingLayersTrainsTheSameLossesAndWeightsWithinRounding() {
    float[] none = trainedWeights(TrainConfig.RECOMPUTE_NONE);
    float[] layers = trainedWeights(TrainConfig.RECOMPUTE_LAYERS);
    assertEquals(none.length, layers.length);
    for (int i = 0; i < none.length; i++) {
      double tolerance = RELATIVE_TOLERANCE * Math.max(Math.abs(none[i]), Math.abs(layers[i]));
      assertEquals(none[i], layers[i], tolerance, "value " + i);
    }
  }

  /** Losses and grad norms of 2 steps of 2 micro-batches, then every weight, flattened. */
  private static float[] trainedWeights(String recompute) {
    CohortConfig config = CohortConfig.load(Path.of("../conf/model/tiny.conf"), List.of("data.seq-len = 8",
        "train.grad-accum-steps = 2", "train.micro-batch-size = 2", "train.recompute = " + recompute));
    try (NDManager manager = NDManager.newBaseManager()) {
      Parameters params = Parameters.initialize(ModelLayout.of(config.model()), 1, manager, DataType.FLOAT32);
      params.requireGradients();
      Transformer model = new Transformer(config.model(), params, manager);
      BatchSource batches = (m, step, micro) -> {
        long[] tokens = new Random(step * 10 + micro).longs(2 * 9, 0, 512).toArray();
        return new Batch(m.create(Arrays.copyOfRange(tokens, 0, 16), new Shape(2, 8)),
            m.create(Arrays.copyOfRange(tokens, 2, 18), new Shape(2, 8)));
      };
      TrainingStep step = new TrainingStep(config.train(), model, params, new AdamW(config.train(), params),
          batches, manager);
      List<Float> out = new ArrayList<>();
      for (int s = 0; s < 2; s++) {
        StepResult result = step.run(s);
        out.add((float) result.loss());
        out.add((float) result.gradNorm());
      }
      for (NDArray p : params.arrays()) for (float v : p.toFloatArray()) out.add(v);
      float[] flat = new float[out.size()];
      for (int i = 0; i < flat.length; i++) flat[i] = out.get(i);
      return flat;
    }
  }
}
