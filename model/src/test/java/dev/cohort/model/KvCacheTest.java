package dev.cohort.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.cohort.config.ModelConfig;
import dev.cohort.model.layout.ModelLayout;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class KvCacheTest {
  @Test
  void decodingTokenByTokenWithTheCacheEqualsOneFullForward() {
    ModelConfig config = TinyModel.config();
    try (NDManager manager = NDManager.newBaseManager()) {
      Autograd.record(false);
      Parameters params = Parameters.initialize(ModelLayout.of(config), 5, manager, DataType.FLOAT64);
      Transformer model = new Transformer(config, params, manager);
      NDArray tokens = TinyModel.randomTokens(manager, config.vocabSize(), 1, 9, 4);
      double[] full = model.forward(tokens, null).logits().toDoubleArray();
      List<KvCache> caches = new ArrayList<>();
      for (int i = 0; i < config.numLayers(); i++) caches.add(new KvCache());
      // a 4-token prompt, then one token at a time
      NDArray prompt = tokens.get(":, 0:4");
      List<Double> incremental = new ArrayList<>();
      for (double v : model.forward(prompt, caches).logits().toDoubleArray()) incremental.add(v);
      for (int t = 4; t < 9; t++) {
        for (double v : model.forward(tokens.get(":, " + t + ":" + (t + 1)), caches).logits().toDoubleArray()) {
          incremental.add(v);
        }
      }
      assertArrayEquals(full, incremental.stream().mapToDouble(Double::doubleValue).toArray(), 1e-10);
    }
  }
}
