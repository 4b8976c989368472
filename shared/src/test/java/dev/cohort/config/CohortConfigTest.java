package dev.cohort.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cohort.data.Tokenizer;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class CohortConfigTest {
  @Test
  void theDefaultsDescribeTheDemoModelOnTheBundledCorpusAndItsOwnTokenizer() {
    CohortConfig config = CohortConfig.defaults();
    assertEquals("bundled", config.data().corpus());
    assertEquals("brown-8k", config.data().tokenizer());
    assertEquals(Tokenizer.load("brown-8k").vocabSize(), config.model().vocabSize());
    assertTrue(config.model().moe().isMoeLayer(0));
  }

  @Test
  void aLaterOverrideWinsOverAnEarlierOneAndOverTheFile() {
    CohortConfig config = CohortConfig.load(Path.of("../conf/model/tiny.conf"),
        List.of("model.hidden-size = 48", "train.steps = 3", "train.steps = 7"));
    assertEquals(7, config.train().steps());
    assertEquals(48, config.model().hiddenSize());
    assertEquals(2, config.model().numLayers(), "from tiny.conf");
  }

  @Test
  void aMisspeltKeyIsRejectedWithTheKnownKeys() {
    ConfigError error = assertThrows(ConfigError.class, () -> CohortConfig.load(null, List.of("model.hiden-size = 8")));
    assertTrue(error.getMessage().contains("unknown key 'hiden-size'"), error.getMessage());
    assertTrue(error.getMessage().contains("hidden-size"), error.getMessage());
  }

  @Test
  void aKeyOutsideEverySectionIsRejected() {
    ConfigError error = assertThrows(ConfigError.class,
        () -> CohortConfig.load(null, List.of("cohort.train.steps = 600")));
    assertTrue(error.getMessage().contains("unknown section 'cohort.cohort'"), error.getMessage());
    assertTrue(error.getMessage().contains("train"), error.getMessage());
  }

  @Test
  void rulesBetweenFieldsNameTheConstraint() {
    assertMessage("model.num-kv-heads = 3", "cohort.model.num-kv-heads': must divide num-heads=4");
    assertMessage("model.moe.top-k = 9", "cohort.model.moe.top-k': must be in [1, num-experts=8]");
    assertMessage("parallel.ep = 2", "cohort.parallel.ep': must divide dp=1");
    assertMessage("data.seq-len = 4096", "cohort.data.seq-len': must be <= model.max-seq-len=1024");
    assertMessage("train.dtype = bfloat16", "must be float32 or float64");
    assertMessage("train.recompute = all", "cohort.train.recompute': must be none or layers, got 'all'");
  }

  @Test
  void recomputingLayersUnderExpertParallelismIsRefusedNamingTheSettings() {
    ConfigError error = assertThrows(ConfigError.class, () -> CohortConfig.load(null, List.of(
        "train.recompute = layers", "parallel.dp = 2", "parallel.ep = 2", "train.grad-accum-steps = 2")));
    assertTrue(error.getMessage().contains("cohort.train.recompute") && error.getMessage().contains("parallel.ep=2"),
        error.getMessage());
  }

  private static void assertMessage(String override, String expected) {
    ConfigError error = assertThrows(ConfigError.class, () -> CohortConfig.load(null, List.of(override)));
    assertTrue(error.getMessage().contains(expected), error.getMessage());
  }
}
