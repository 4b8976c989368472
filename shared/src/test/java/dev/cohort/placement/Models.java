package dev.cohort.placement;

import dev.cohort.config.ModelConfig;
import dev.cohort.config.MoeConfig;
import dev.cohort.config.ParallelConfig;
import dev.cohort.config.RouterConfig;
import java.util.List;
import java.util.stream.IntStream;

/** Small model shapes and worker lists for the placement tests (d = 32, short context, cheap to reason about). */
final class Models {
  private static final RouterConfig SOFTMAX = new RouterConfig(RouterConfig.SOFTMAX);
  static final int WIDTH = 32;
  static final int SMALL_VOCAB = 16;

  private Models() {}

  static ModelConfig dense(int layers, int vocab) {
    return model(layers, vocab, 64, noMoe());
  }

  static ModelConfig moe(int layers, int experts, int firstDenseLayers) {
    return model(layers, SMALL_VOCAB, 16, moeConfig(experts, firstDenseLayers));
  }

  static ModelConfig model(int layers, int vocab, int intermediate, MoeConfig moe) {
    return new ModelConfig(vocab, WIDTH, layers, 4, 2, intermediate, 10000.0, 1e-5, true, 64, 0.02, moe);
  }

  static MoeConfig moeConfig(int experts, int firstDenseLayers) {
    return new MoeConfig(experts, 2, 128, 0, 0, false, true, 0.0, 0.01, 0.001, firstDenseLayers, 1,
        SOFTMAX, MoeConfig.AUX_LOSS, 0, 0, 1, 0);
  }

  static MoeConfig noMoe() {
    return new MoeConfig(0, 0, 0, 0, 0, false, true, 0.0, 0.0, 0.0, 0, 1, SOFTMAX, MoeConfig.AUX_LOSS, 0, 0, 1, 0);
  }

  static ParallelConfig parallel(int pp, int dp, int ep) {
    return new ParallelConfig(pp, dp, ep, "1f1b", 0);
  }

  static List<WorkerId> workers(int count) {
    return IntStream.range(0, count).mapToObj(i -> new WorkerId("worker-" + i + "@127.0.0.1:" + (25520 + i))).toList();
  }
}
