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
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * fp16-mixed against fp32 on the blocks GradientCheckTest checks by finite differences: with float32 master weights,
 * float16 products must give float32 gradients equal to fp32's within float16's precision.
 */
class AutocastTest {
  /**
   * Relative error of a whole gradient tensor (norm of the difference over the norm): float16 keeps 11 significant
   * bits (2^-11 = 5e-4 per rounding), and a gradient is the sum of a few dozen rounded products deep.
   */
  private static final double FLOAT16_RELATIVE = 1e-2;

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
    Parameters params = Parameters.initialize(ModelLayout.of(config), 7, manager, DataType.FLOAT32);
    params.requireGradients();
    return params;
  }

  private NDArray input(long... shape) {
    NDArray x = TinyModel.randomNormal(manager, new Shape(shape), DataType.FLOAT32, 3);
    x.setRequiresGradient(true);
    return x;
  }

  /** A fixed random projection turns a block's output into a scalar with no symmetric cancellations. */
  private NDArray probe(NDArray output) {
    return output.mul(TinyModel.randomNormal(manager, output.getShape(), DataType.FLOAT32, 11)).sum();
  }

  @Test
  void attentionGradientsInFp16MixedMatchFp32() {
    ModelConfig config = TinyModel.config();
    Parameters params = params(config);
    NDArray x = input(2, 6, config.hiddenSize());
    Rope rope = new Rope(config.headDim(), config.ropeTheta(), config.maxSeqLen(), manager, DataType.FLOAT32);
    assertGradientsAgree(autocast -> probe(new Attention(params, 0, config, rope, autocast).forward(x, null)),
        Map.of("x", x, "q", params.get(ParamNames.attention(0, "q_proj")),
            "o", params.get(ParamNames.attention(0, "o_proj"))));
  }

  @Test
  void swiGluGradientsInFp16MixedMatchFp32() {
    ModelConfig config = TinyModel.config("moe.num-experts = 0");
    Parameters params = params(config);
    NDArray x = input(2, 4, config.hiddenSize());
    assertGradientsAgree(autocast -> probe(SwiGlu.dense(params, 0, autocast).forward(x)), Map.of("x", x,
        "gate", params.get(ParamNames.mlp(0, "gate_proj")), "down", params.get(ParamNames.mlp(0, "down_proj"))));
  }

  @Test
  void moeBlockWithItsRouterLossesInFp16MixedMatchesFp32() {
    ModelConfig config = TinyModel.config();
    Parameters params = params(config);
    NDArray x = input(10, config.hiddenSize());
    assertGradientsAgree(autocast -> {
      MoeOutput out = MoeBlock.local(params, 0, config.moe(), autocast).forward(x);
      assertEquals(DataType.FLOAT32, out.zLoss().getDataType(), "router losses in float32");
      return probe(out.hidden()).add(out.balanceLoss()).add(out.zLoss());
    }, Map.of("x", x, "router", params.get(ParamNames.router(0)), "w1", params.get(ParamNames.expert(0, 1, "w1"))));
  }

  @Test
  void wholeModelLossInFp16MixedMatchesFp32AndStaysFloat32() {
    ModelConfig config = TinyModel.config("tie-embeddings = false");
    Parameters params = params(config);
    NDArray tokens = TinyModel.randomTokens(manager, config.vocabSize(), 2, 5, 1);
    NDArray targets = TinyModel.randomTokens(manager, config.vocabSize(), 2, 5, 2);
    assertGradientsAgree(autocast -> {
      Loss loss = new Transformer(config, params, manager, autocast).loss(tokens, targets);
      assertEquals(DataType.FLOAT32, loss.crossEntropy().getDataType(), "cross-entropy in float32");
      return loss.total();
    }, Map.of("embed", params.get(ParamNames.EMBED), "head", params.get(ParamNames.LM_HEAD),
        "finalNorm", params.get(ParamNames.FINAL_NORM), "router", params.get(ParamNames.router(1)),
        "q", params.get(ParamNames.attention(1, "q_proj"))));
  }

  /** Backward of {@code objective} in fp32 and in fp16-mixed: each gradient agrees to float16 precision. */
  private void assertGradientsAgree(Function<Autocast, NDArray> objective, Map<String, NDArray> tensors) {
    Map<String, double[]> fp32 = gradients(objective, Autocast.OFF, tensors);
    Map<String, double[]> fp16 = gradients(objective, Autocast.FLOAT16, tensors);
    for (String name : tensors.keySet()) {
      double[] expected = fp32.get(name);
      double[] actual = fp16.get(name);
      double difference = 0;
      double norm = 0;
      for (int i = 0; i < expected.length; i++) {
        difference += (actual[i] - expected[i]) * (actual[i] - expected[i]);
        norm += expected[i] * expected[i];
      }
      assertTrue(norm > 0, name + " got no gradient");
      double relative = Math.sqrt(difference / norm);
      assertTrue(relative < FLOAT16_RELATIVE, name + ": relative gradient error " + relative);
      assertTrue(relative > 0, name + ": identical gradients, so nothing ran in float16");
    }
  }

  private Map<String, double[]> gradients(Function<Autocast, NDArray> objective, Autocast autocast,
      Map<String, NDArray> tensors) {
    tensors.values().forEach(t -> t.getGradient().muli(0));
    NDArray scalar = objective.apply(autocast);
    assertEquals(DataType.FLOAT32, scalar.getDataType(), "the objective in float32");
    Autograd.backward(scalar);
    Map<String, double[]> out = new LinkedHashMap<>();
    tensors.forEach((name, t) -> {
      assertEquals(DataType.FLOAT32, t.getGradient().getDataType(), name + "'s gradient in float32");
      out.put(name, t.getGradient().toType(DataType.FLOAT64, false).toDoubleArray());
    });
    return out;
  }
}
