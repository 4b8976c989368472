package dev.cohort.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.cohort.config.CohortConfig;
import dev.cohort.config.ModelConfig;
import dev.cohort.model.layout.ModelLayout;
import dev.cohort.model.layout.ParamNames;
import dev.cohort.tensor.HostTensor;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Upcycled models start where the dense one was, under the conditions each method states. In float64. */
class UpcyclingTest {
  private static final Path TINY_DENSE = Path.of("../conf/model/tiny-dense.conf");
  /** Only rounding separates the two forwards: a few ulps of float64 logits of order one. */
  private static final double EXACT = 1e-12;
  private static final double ROUTER_STD = 0.02;

  private NDManager manager;
  private ModelConfig dense;
  private Map<String, HostTensor> denseTensors;
  private NDArray tokens;
  private NDArray targets;

  @BeforeEach
  void open() {
    manager = NDManager.newBaseManager();
    Autograd.record(false);
    dense = CohortConfig.load(TINY_DENSE, List.of()).model();
    Parameters params = Parameters.initialize(ModelLayout.of(dense), 3, manager, DataType.FLOAT64);
    denseTensors = new LinkedHashMap<>();
    params.asMap().forEach((name, array) -> denseTensors.put(name, HostArrays.toHost(array)));
    tokens = TinyModel.randomTokens(manager, dense.vocabSize(), 2, 8, 1);
    targets = TinyModel.randomTokens(manager, dense.vocabSize(), 2, 8, 2);
  }

  @AfterEach
  void close() {
    manager.close();
  }

  @Test
  void copyUpcyclingKeepsTheDenseLogitsAndLossWhateverTheRouter() {
    ModelConfig moe = target(Upcycling.Method.COPY, 4, 2);
    assertEquals(dense.intermediateSize(), moe.moe().expertFfnSize());
    Transformer upcycled = model(moe, Upcycling.upcycle(dense, denseTensors, moe, Upcycling.Method.COPY, ROUTER_STD, 9));
    Transformer original = model(dense, denseTensors);
    assertEquals(0, maxDifference(original, upcycled), EXACT);
    assertEquals(original.loss(tokens, targets).crossEntropy().getDouble(),
        upcycled.loss(tokens, targets).crossEntropy().getDouble(), EXACT);
  }

  @Test
  void splitUpcyclingWithAllExpertsAndAUniformRouterIsTheDenseModel() {
    ModelConfig moe = target(Upcycling.Method.SPLIT, 4, 4);
    assertEquals(dense.intermediateSize() / 4, moe.moe().expertFfnSize());
    assertEquals(ModelLayout.parameterCount(dense) + 2L * 4 * dense.hiddenSize(), ModelLayout.parameterCount(moe),
        "splitting adds only the routers");
    Transformer original = model(dense, denseTensors);
    Transformer uniform = model(moe, Upcycling.upcycle(dense, denseTensors, moe, Upcycling.Method.SPLIT, 0, 9));
    assertEquals(0, maxDifference(original, uniform), EXACT);
    // A router far from uniform weights the pieces unequally: the equality needs the uniform router.
    Transformer routed = model(moe, Upcycling.upcycle(dense, denseTensors, moe, Upcycling.Method.SPLIT, 1.0, 9));
    assertTrue(maxDifference(original, routed) > 1e-4, "a non-uniform router should change the logits");
  }

  @Test
  void theRouterIsSeeded() {
    ModelConfig moe = target(Upcycling.Method.COPY, 4, 2);
    String router = ParamNames.router(0);
    HostTensor a = Upcycling.upcycle(dense, denseTensors, moe, Upcycling.Method.COPY, ROUTER_STD, 9).get(router);
    HostTensor b = Upcycling.upcycle(dense, denseTensors, moe, Upcycling.Method.COPY, ROUTER_STD, 9).get(router);
    HostTensor c = Upcycling.upcycle(dense, denseTensors, moe, Upcycling.Method.COPY, ROUTER_STD, 10).get(router);
    assertEquals(a, b);
    assertNotEquals(a, c);
  }

  @Test
  void splittingIntoExpertsThatDoNotDivideTheWidthIsRefused() {
    IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
        () -> Upcycling.moeSettings(dense, Upcycling.Method.SPLIT, 6, 2));
    assertTrue(error.getMessage().contains("6 must divide it"), error.getMessage());
  }

  private ModelConfig target(Upcycling.Method method, int experts, int topK) {
    return CohortConfig.load(TINY_DENSE, Upcycling.moeSettings(dense, method, experts, topK)).model();
  }

  private Transformer model(ModelConfig config, Map<String, HostTensor> tensors) {
    Parameters params = Parameters.initialize(ModelLayout.of(config), 0, manager, DataType.FLOAT64);
    for (String name : params.names()) Ops.copyInto(params.get(name), HostArrays.toArray(tensors.get(name), manager));
    return new Transformer(config, params, manager);
  }

  private double maxDifference(Transformer a, Transformer b) {
    NDArray la = a.forward(tokens, null).logits();
    NDArray lb = b.forward(tokens, null).logits();
    return la.sub(lb).abs().max().getDouble();
  }
}
