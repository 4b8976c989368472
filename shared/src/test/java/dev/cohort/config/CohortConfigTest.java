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
  void onlyTheBiasBalancingDropsTheSwitchLoss() {
    for (String balance : List.of("aux-loss", "bias", "both")) {
      MoeConfig moe = CohortConfig.load(null, List.of("model.moe.balance = " + balance)).model().moe();
      assertEquals(balance.equals("bias") ? 0 : moe.auxLossWeight(), moe.effectiveAuxLossWeight(), balance);
      assertEquals(!balance.equals("aux-loss"), moe.biasBalanced(), balance);
    }
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
    assertMessage("model.moe.balance = bias-only", "cohort.model.moe.balance': must be aux-loss, bias or both");
    assertMessage("model.moe.router.score = relu", "cohort.model.moe.router.score': must be softmax or sigmoid");
    assertMessage("parallel { dp = 2, ep = 2 }, train.grad-accum-steps = 2, model.cdmoe { num-experts = 16, "
        + "experts-per-head = 2 }",
        "cohort.parallel.ep': must be 1 with model.cdmoe");
    assertMessage("model.moe.expert-groups = 3", "cohort.model.moe.expert-groups': must divide num-experts=8");
    assertMessage("parallel { dp = 2, ep = 2 }, train.grad-accum-steps = 2, model.moe.max-groups-per-token = 1",
        "cohort.model.moe.expert-groups': must be a multiple of parallel.ep=2");
    assertMessage("model.cdmoe.num-experts = 15", "cohort.model.cdmoe.num-experts': must be a perfect square");
    assertMessage("model.cdmoe { num-experts = 16, experts-per-head = 5 }",
        "cohort.model.cdmoe.experts-per-head': must be in [1, sqrt(num-experts)=4]");
    assertMessage("model.moe { balance = bias, bias-update-rate = 0 }",
        "cohort.model.moe.bias-update-rate': must be > 0");
    assertMessage("train.precision = fp8", "cohort.train.precision': must be fp32 or fp16-mixed, got 'fp8'");
    assertMessage("train.loss-scale.backoff-factor = 2", "cohort.train.loss-scale.backoff-factor': must be in (0, 1)");
  }

  @Test
  void bf16MixedIsRefusedWithTheReason() {
    assertMessage("train.precision = bf16-mixed", "DJL's PyTorch engine (0.35 and 0.36) has no bfloat16");
  }

  @Test
  void fp16MixedNeedsFloat32MasterWeights() {
    assertMessage("train.precision = fp16-mixed\ntrain.dtype = float64", "needs train.dtype = float32, got float64");
  }

  @Test
  void anUnknownRecomputeModeIsRefused() {
    assertMessage("train.recompute = all", "cohort.train.recompute': must be none, layers or experts, got 'all'");
  }

  @Test
  void aZeroLevelAboveTwoIsRefused() {
    assertMessage("parallel.zero = 3", "cohort.parallel.zero': must be 0, 1 or 2 (3, sharded parameters, is not built)");
  }

  private static void assertMessage(String override, String expected) {
    ConfigError error = assertThrows(ConfigError.class, () -> CohortConfig.load(null, List.of(override)));
    assertTrue(error.getMessage().contains(expected), error.getMessage());
  }
}
