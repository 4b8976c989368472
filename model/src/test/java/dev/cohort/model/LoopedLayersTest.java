package dev.cohort.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import dev.cohort.config.ConfigError;
import dev.cohort.config.ModelConfig;
import dev.cohort.model.layout.ModelLayout;
import dev.cohort.model.layout.ParamSpec;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A looped block runs its layers several times with one set of weights. */
class LoopedLayersTest extends EngineTest {
  @Test
  void loopingAddsDepthButNoParameters() {
    ModelConfig plain = TinyModel.config("num-layers = 3");
    ModelConfig looped = TinyModel.config("num-layers = 3", "loop.start = 1", "loop.end = 3", "loop.times = 4");
    assertEquals(ModelLayout.parameterCount(plain), ModelLayout.parameterCount(looped));
    assertEquals(List.copyOf(names(plain)), List.copyOf(names(looped)));
    assertArrayEquals(new int[] {0, 1, 2, 1, 2, 1, 2, 1, 2}, looped.loop().schedule(looped.numLayers()));
    assertEquals(9, new Transformer(looped, params(looped), manager).numLayers());
    assertEquals(9, looped.moeLayerCount(), "one MoE output per pass");
  }

  @Test
  void aLoopComputesWhatTheUnrolledStackWithCopiedWeightsComputes() {
    ModelConfig looped = TinyModel.config("loop.start = 0", "loop.end = 2", "loop.times = 2");
    ModelConfig unrolled = TinyModel.config("num-layers = 4");
    Parameters loopParams = params(looped);
    Parameters unrolledParams = params(unrolled);
    for (String name : unrolledParams.names()) {
      Ops.copyInto(unrolledParams.get(name), loopParams.get(sourceOf(name)));
    }
    NDArray tokens = TinyModel.randomTokens(manager, looped.vocabSize(), 2, 7, 3);
    Transformer.Output a = new Transformer(looped, loopParams, manager).forward(tokens, null);
    Transformer.Output b = new Transformer(unrolled, unrolledParams, manager).forward(tokens, null);
    assertArrayEquals(b.logits().toDoubleArray(), a.logits().toDoubleArray(), 0.0);
    assertEquals(b.moe().size(), a.moe().size());
  }

  @Test
  void cachedDecodingOfALoopedModelKeepsOneCachePerPass() {
    ModelConfig looped = TinyModel.config("loop.start = 0", "loop.end = 2", "loop.times = 3");
    Transformer model = new Transformer(looped, params(looped), manager);
    NDArray tokens = TinyModel.randomTokens(manager, looped.vocabSize(), 1, 6, 4);
    double[] full = model.forward(tokens, null).logits().toDoubleArray();
    List<KvCache> caches = new ArrayList<>();
    for (int i = 0; i < model.numLayers(); i++) caches.add(new KvCache());
    double[] prompt = model.forward(tokens.get(":, 0:5"), caches).logits().toDoubleArray();
    double[] last = model.forward(tokens.get(":, 5:6"), caches).logits().toDoubleArray();
    double[] incremental = new double[full.length];
    System.arraycopy(prompt, 0, incremental, 0, prompt.length);
    System.arraycopy(last, 0, incremental, prompt.length, last.length);
    assertArrayEquals(full, incremental, 1e-10);
  }

  @Test
  void aStageThatCutsALoopIsRefused() {
    ModelConfig looped = TinyModel.config("num-layers = 3", "loop.start = 0", "loop.end = 2", "loop.times = 2");
    Parameters params = params(looped);
    IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
        () -> new Transformer(looped, params, manager, new Transformer.Slice(1, 3, false, true)));
    assertTrue(error.getMessage().contains("must hold a loop whole"), error.getMessage());
  }

  @Test
  void aLoopOutsideTheLayersIsRejected() {
    ConfigError error = assertThrows(ConfigError.class,
        () -> TinyModel.config("loop.start = 1", "loop.end = 3", "loop.times = 2"));
    assertTrue(error.getMessage().contains("cohort.model.loop"), error.getMessage());
  }

  /** Layer l of the 4-layer unrolled model reads layer l mod 2 of the looped one. */
  private static String sourceOf(String name) {
    String prefix = "model.layers.";
    if (!name.startsWith(prefix)) return name;
    String rest = name.substring(prefix.length());
    int layer = Integer.parseInt(rest.substring(0, rest.indexOf('.')));
    return prefix + (layer % 2) + rest.substring(rest.indexOf('.'));
  }

  private static List<String> names(ModelConfig config) {
    return ModelLayout.of(config).stream().map(ParamSpec::name).toList();
  }

  private Parameters params(ModelConfig config) {
    return Parameters.initialize(ModelLayout.of(config), 11, manager, DataType.FLOAT64);
  }
}
