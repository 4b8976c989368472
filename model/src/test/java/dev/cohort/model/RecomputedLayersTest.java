package dev.cohort.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.cohort.config.ModelConfig;
import dev.cohort.model.layout.ModelLayout;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Activation recomputation changes what is kept between forward and backward, never the numbers. */
class RecomputedLayersTest {
  private static final int BATCH = 2;
  private static final int SEQ = 16;
  /** Micro-batches the loss is divided by, as TrainingStep divides it: router losses must take the same share. */
  private static final int DIVISOR = 3;

  private NDManager manager;

  @BeforeEach
  void open() {
    manager = NDManager.newBaseManager();
    Autograd.record(false);
  }

  @AfterEach
  void close() {
    Autograd.record(false);
    manager.close();
  }

  @Test
  void recomputedLayersGiveTheRecordedLossAndEveryGradientBitForBit() {
    // A dense first layer, then MoE layers with a shared expert, looped: every kind of layer, one of them twice.
    ModelConfig config = TinyModel.config("num-layers = 3", "moe.first-dense-layers = 1",
        "moe.num-shared-experts = 1", "loop.start = 1", "loop.end = 3", "loop.times = 2");
    assertRecomputationMatches(config, params -> new Transformer(config, params, manager),
        Transformer::recomputedLayers, 0f);
  }

  /**
   * Recomputing only the experts reruns the same ops on the same rows, so every value is the same; the gradients
   * reach some tensors as a sum of two backwards instead of one (the expert path into the layer's normed input, then
   * into the layer's input, arrives after the others), so float additions happen in another order: equal within
   * 1e-6 of each gradient's largest element, not bit for bit.
   */
  @Test
  void recomputedExpertsGiveTheRecordedLossAndEveryGradientWithinRounding() {
    ModelConfig config = TinyModel.config("num-layers = 3", "moe.first-dense-layers = 1",
        "moe.num-shared-experts = 1", "moe.capacity-factor = 1.0", "loop.start = 1", "loop.end = 3",
        "loop.times = 2");
    assertRecomputationMatches(config,
        params -> new Transformer(config, params, manager, Transformer.Slice.whole(config),
            layer -> new RecomputedExperts(LocalExperts.of(params, layer, config.moe(), Autocast.OFF)), Autocast.OFF),
        Transformer::recomputedExperts, 1e-6f);
  }

  /**
   * One micro-batch's loss and gradients, recorded whole and then through {@code recompute} on the model
   * {@code recomputing} builds: the losses equal bit for bit, each gradient within {@code tolerance} of its largest
   * element (0: bit for bit).
   */
  private void assertRecomputationMatches(ModelConfig config, Function<Parameters, Transformer> recomputing,
      BiFunction<Transformer, NDArray, RecomputedLayers> recompute, float tolerance) {
    Parameters params = Parameters.initialize(ModelLayout.of(config), 7, manager, DataType.FLOAT32);
    params.requireGradients();
    NDArray tokens = TinyModel.randomTokens(manager, config.vocabSize(), BATCH, SEQ, 1);
    NDArray targets = TinyModel.randomTokens(manager, config.vocabSize(), BATCH, SEQ, 2);

    Autograd.record(true);
    Loss recorded = new Transformer(config, params, manager).loss(tokens, targets);
    Autograd.backward(recorded.total().div(Ops.scalar(recorded.total(), DIVISOR)));
    Autograd.record(false);
    Map<String, float[]> recordedGradients = gradients(params);

    Autograd.zeroGradients(params.arrays());
    Transformer model = recomputing.apply(params);
    Autograd.record(true);
    NDArray embedded = model.embed(tokens);
    RecomputedLayers layers = recompute.apply(model, embedded);
    Loss recomputed = Loss.of(model.headCrossEntropy(layers.hidden().hidden(), targets), layers.hidden().moe(),
        config.moe());
    Autograd.backward(recomputed.total().div(Ops.scalar(recomputed.total(), DIVISOR)));
    Autograd.backward(embedded, layers.backward(DIVISOR));
    Autograd.record(false);

    assertEquals(recorded.total().getFloat(), recomputed.total().getFloat(), 0f);
    Map<String, float[]> recomputedGradients = gradients(params);
    for (String name : recordedGradients.keySet()) {
      float[] expected = recordedGradients.get(name);
      assertTrue(anyNonZero(expected), name + " has no gradient: the comparison would prove nothing");
      assertArrayEquals(expected, recomputedGradients.get(name), tolerance * maxAbs(expected), name);
    }
  }

  @Test
  void aReplayedRoutingKeepsItsChoicesInsteadOfTakingTheTopKAgain() {
    ModelConfig config = TinyModel.config();
    Parameters params = Parameters.initialize(ModelLayout.of(config), 7, manager, DataType.FLOAT32);
    Router router = Router.of(params, 0, config.moe(), Autocast.OFF);
    NDArray x = TinyModel.randomNormal(manager, new Shape(4, config.hiddenSize()), DataType.FLOAT32, 3);
    Routing fresh = router.route(x);
    assertArrayEquals(fresh.weights().toFloatArray(), router.route(x, fresh.experts()).weights().toFloatArray(), 0f);

    long[] best = fresh.experts().toLongArray();
    long[] reversed = new long[best.length]; // each token's choices in the other order: not a top-k order
    int k = config.moe().topK();
    for (int i = 0; i < reversed.length; i++) reversed[i] = best[i - i % k + (k - 1 - i % k)];
    Routing replayed = router.route(x, manager.create(reversed, fresh.experts().getShape()));
    assertArrayEquals(reversed, replayed.experts().toLongArray());
    assertEquals(fresh.weights().get(0, 0).getFloat(), replayed.weights().get(0, k - 1).getFloat(), 0f);
  }

  private static Map<String, float[]> gradients(Parameters params) {
    Map<String, float[]> out = new LinkedHashMap<>();
    for (String name : params.names()) out.put(name, params.get(name).getGradient().toFloatArray());
    return out;
  }

  private static float maxAbs(float[] values) {
    float max = 0;
    for (float v : values) max = Math.max(max, Math.abs(v));
    return max;
  }

  private static boolean anyNonZero(float[] values) {
    for (float v : values) if (v != 0) return true;
    return false;
  }
}
