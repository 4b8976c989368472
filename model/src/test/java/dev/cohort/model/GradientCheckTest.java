package dev.cohort.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.cohort.config.ModelConfig;
import dev.cohort.model.layout.ModelLayout;
import dev.cohort.model.layout.ParamNames;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every block's analytic gradient (PyTorch autograd through our forward) against central finite differences in
 * float64, on random coordinates of every parameter and of the input.
 */
class GradientCheckTest {
  private static final double STEP = 1e-6;
  private static final double TOLERANCE = 1e-6;
  private static final int COORDINATES_PER_TENSOR = 6;

  private NDManager manager;

  @BeforeEach
  void open() {
    manager = NDManager.newBaseManager();
    Autograd.record(true);
  }

  @AfterEach
  void close() {
    Autograd.record(false);
    manager.close();
  }

  private Parameters params(ModelConfig config) {
    Parameters params = Parameters.initialize(ModelLayout.of(config), 7, manager, DataType.FLOAT64);
    // Norm weights start at exactly one; perturb them so their gradient check is not a special case.
    for (String name : params.names()) {
      if (!ParamNames.isDecayed(name)) params.get(name).addi(TinyModel.randomNormal(manager, params.get(name).getShape(), DataType.FLOAT64, name.hashCode()).mul(0.1));
    }
    params.requireGradients();
    return params;
  }

  private NDArray input(long... shape) {
    NDArray x = TinyModel.randomNormal(manager, new Shape(shape), DataType.FLOAT64, 3);
    x.setRequiresGradient(true);
    return x;
  }

  /** A fixed random projection turns a block's output into a scalar with no symmetric cancellations. */
  private Supplier<NDArray> scalar(Supplier<NDArray> output) {
    NDArray probe = TinyModel.randomNormal(manager, output.get().getShape(), DataType.FLOAT64, 11);
    return () -> output.get().mul(probe).sum();
  }

  @Test
  void rmsNormGradientsMatchFiniteDifferences() {
    ModelConfig config = TinyModel.config();
    Parameters params = params(config);
    NDArray x = input(2, 5, config.hiddenSize());
    RmsNorm norm = new RmsNorm(params.get(ParamNames.inputNorm(0)), config.rmsNormEps());
    check(scalar(() -> norm.forward(x)), Map.of("x", x, "weight", params.get(ParamNames.inputNorm(0))));
  }

  @Test
  void groupedQueryAttentionWithRopeGradientsMatchFiniteDifferences() {
    ModelConfig config = TinyModel.config();
    Parameters params = params(config);
    NDArray x = input(2, 6, config.hiddenSize());
    Rope rope = new Rope(config.headDim(), config.ropeTheta(), config.maxSeqLen(), manager, DataType.FLOAT64);
    Attention attention = new Attention(params, 0, config, rope, Autocast.OFF);
    check(scalar(() -> attention.forward(x, null)), Map.of("x", x,
        "q", params.get(ParamNames.attention(0, "q_proj")), "k", params.get(ParamNames.attention(0, "k_proj")),
        "v", params.get(ParamNames.attention(0, "v_proj")), "o", params.get(ParamNames.attention(0, "o_proj"))));
  }

  @Test
  void cdmoeGradientsMatchFiniteDifferences() {
    ModelConfig config = TinyModel.config(CdMoeTest.CDMOE);
    Parameters params = params(config);
    NDArray x = input(2, 4, config.hiddenSize());
    CdMoe ffn = CdMoe.of(params, 0, config.cdmoe(), Autocast.OFF);
    check(scalar(() -> ffn.forward(x)), Map.of("x", x, "gate", params.get(ParamNames.mlp(0, "gate_proj")),
        "queries", params.get(ParamNames.cdmoe(0, "queries_proj.weight")),
        "keys", params.get(ParamNames.cdmoe(0, "keys")),
        "down_embed", params.get(ParamNames.cdmoe(0, "down_embed.weight")),
        "up_embed", params.get(ParamNames.cdmoe(0, "up_embed.weight"))));
  }

  @Test
  void denseSwiGluGradientsMatchFiniteDifferences() {
    ModelConfig config = TinyModel.config("moe.num-experts = 0");
    Parameters params = params(config);
    NDArray x = input(2, 4, config.hiddenSize());
    SwiGlu mlp = SwiGlu.dense(params, 0, Autocast.OFF);
    check(scalar(() -> mlp.forward(x)), Map.of("x", x, "gate", params.get(ParamNames.mlp(0, "gate_proj")),
        "up", params.get(ParamNames.mlp(0, "up_proj")), "down", params.get(ParamNames.mlp(0, "down_proj"))));
  }

  /** Sigmoid scores, the balancing bias (which picks, never weighs) and the sequence-wise loss, differentiated. */
  @Test
  void biasBalancedSigmoidRouterGradientsMatchFiniteDifferences() {
    ModelConfig config = TinyModel.config("moe.router.score = sigmoid", "moe.balance = both",
        "moe.seq-aux-loss-weight = 1e-4");
    Parameters params = params(config);
    NDArray x = input(10, config.hiddenSize());
    MoeBlock block = MoeBlock.local(params, 0, config.moe(), Autocast.OFF);
    NDArray bias = params.buffers().get(ParamNames.routerBias(0));
    Ops.copyInto(bias, Ops.constant(bias.getManager(), new double[] {0.3, -0.2, 0.1, 0}, bias.getShape(),
        bias.getDataType()));
    Supplier<NDArray> output = scalar(() -> block.forward(x, 2, null).hidden());
    Supplier<NDArray> objective = () -> {
      MoeOutput out = block.forward(x, 2, null);
      return output.get().add(out.balanceLoss()).add(out.seqBalanceLoss()).add(out.zLoss());
    };
    check(objective, Map.of("x", x, "router", params.get(ParamNames.router(0)),
        "w1", params.get(ParamNames.expert(0, 0, "w1")))); // expert 0: the one the bias favours
  }

  @Test
  void moeBlockWithSharedExpertsAndLossesGradientsMatchFiniteDifferences() {
    ModelConfig config = TinyModel.config("moe.num-shared-experts = 1", "moe.shared-expert-ffn-size = 16",
        "moe.shared-expert-gate = true");
    Parameters params = params(config);
    NDArray x = input(10, config.hiddenSize());
    MoeBlock block = MoeBlock.local(params, 0, config.moe(), Autocast.OFF);
    Supplier<NDArray> output = scalar(() -> block.forward(x).hidden());
    // The router's losses are part of the objective: check their gradients too.
    Supplier<NDArray> objective = () -> {
      MoeOutput out = block.forward(x);
      return output.get().add(out.balanceLoss()).add(out.zLoss());
    };
    check(objective, Map.of("x", x, "router", params.get(ParamNames.router(0)),
        "w1", params.get(ParamNames.expert(0, 1, "w1")), "w2", params.get(ParamNames.expert(0, 2, "w2")),
        "w3", params.get(ParamNames.expert(0, 3, "w3")),
        "shared", params.get(ParamNames.sharedExpert(0, "down_proj")),
        "sharedGate", params.get(ParamNames.sharedExpertGate(0))));
  }

  @Test
  void wholeModelLossGradientsMatchFiniteDifferences() {
    ModelConfig config = TinyModel.config("moe.first-dense-layers = 1", "tie-embeddings = false");
    Parameters params = params(config);
    Transformer model = new Transformer(config, params, manager);
    NDArray tokens = TinyModel.randomTokens(manager, config.vocabSize(), 2, 5, 1);
    NDArray targets = TinyModel.randomTokens(manager, config.vocabSize(), 2, 5, 2);
    check(() -> model.loss(tokens, targets).total(), Map.of(
        "embed", params.get(ParamNames.EMBED), "head", params.get(ParamNames.LM_HEAD),
        "finalNorm", params.get(ParamNames.FINAL_NORM), "dense", params.get(ParamNames.mlp(0, "up_proj")),
        "router", params.get(ParamNames.router(1)), "expert", params.get(ParamNames.expert(1, 0, "w1")),
        "q", params.get(ParamNames.attention(1, "q_proj"))));
  }

  @Test
  void loopedLayersGradientsMatchFiniteDifferences() {
    // Layers 0 and 1 run three times: each shared weight's gradient is the sum over its passes.
    ModelConfig config = TinyModel.config("num-layers = 3", "loop.start = 0", "loop.end = 2", "loop.times = 3");
    Parameters params = params(config);
    Transformer model = new Transformer(config, params, manager);
    NDArray tokens = TinyModel.randomTokens(manager, config.vocabSize(), 2, 5, 1);
    NDArray targets = TinyModel.randomTokens(manager, config.vocabSize(), 2, 5, 2);
    check(() -> model.loss(tokens, targets).total(), Map.of(
        "embed", params.get(ParamNames.EMBED), "router0", params.get(ParamNames.router(0)),
        "expert1", params.get(ParamNames.expert(1, 2, "w2")), "q0", params.get(ParamNames.attention(0, "q_proj")),
        "norm1", params.get(ParamNames.postAttentionNorm(1)), "v2", params.get(ParamNames.attention(2, "v_proj"))));
  }

  @Test
  void headLossInUnevenRowBlocksEqualsWholeLogitsLossAndMatchesFiniteDifferences() {
    ModelConfig config = TinyModel.config("tie-embeddings = false");
    Parameters params = params(config);
    Transformer model = new Transformer(config, params, manager);
    NDArray x = TinyModel.randomNormal(manager, new Shape(2, 5, config.hiddenSize()), DataType.FLOAT64, 3);
    x.setRequiresGradient(true);
    NDArray targets = TinyModel.randomTokens(manager, config.vocabSize(), 2, 5, 4);
    long threeRows = 3L * config.vocabSize(); // 10 rows in blocks of 3, 3, 3 and 1
    Supplier<NDArray> blocked = () -> model.headCrossEntropy(x, targets, threeRows);
    double whole = Transformer.crossEntropy(model.logits(x), targets).getDouble();
    assertEquals(whole, blocked.get().getDouble(), 1e-12);
    check(blocked, Map.of("x", x, "head", params.get(ParamNames.LM_HEAD),
        "finalNorm", params.get(ParamNames.FINAL_NORM)));
  }

  /** Compares d(objective)/d(tensor) from backward with central differences at random coordinates. */
  private void check(Supplier<NDArray> objective, Map<String, NDArray> tensors) {
    tensors.values().forEach(t -> { if (t.hasGradient()) t.getGradient().muli(0); });
    Autograd.backward(objective.get());
    Random random = new Random(5);
    for (Map.Entry<String, NDArray> entry : tensors.entrySet()) {
      NDArray tensor = entry.getValue();
      double[] analytic = tensor.getGradient().toDoubleArray();
      assertTrue(java.util.Arrays.stream(analytic).anyMatch(g -> g != 0), entry.getKey() + " got no gradient");
      for (int i = 0; i < COORDINATES_PER_TENSOR; i++) {
        int coordinate = random.nextInt(analytic.length);
        double numeric = centralDifference(objective, tensor, coordinate);
        double scale = Math.max(1.0, Math.abs(numeric));
        assertEquals(numeric, analytic[coordinate], TOLERANCE * scale,
            entry.getKey() + "[" + coordinate + "]: analytic " + analytic[coordinate] + " vs numeric " + numeric);
      }
    }
  }

  private double centralDifference(Supplier<NDArray> objective, NDArray tensor, int coordinate) {
    boolean recording = Autograd.recording();
    Autograd.record(false);
    try {
      double[] values = tensor.toDoubleArray();
      double original = values[coordinate];
      values[coordinate] = original + STEP;
      tensor.set(values);
      double plus = objective.get().getDouble();
      values[coordinate] = original - STEP;
      tensor.set(values);
      double minus = objective.get().getDouble();
      values[coordinate] = original;
      tensor.set(values);
      return (plus - minus) / (2 * STEP);
    } finally {
      Autograd.record(recording);
    }
  }
}
