package dev.cohort.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cohort.model.layout.ModelLayout;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class RecipeConfigTest {
  private static final Path RECIPES = Path.of("../conf/recipes");

  @Test
  void theDefaultIsPretrainingFromFreshWeightsWithLlamaTwoChatMarkers() {
    RecipeConfig recipe = CohortConfig.defaults().recipe();
    assertEquals(RecipeConfig.LM, recipe.objective());
    assertEquals("", recipe.initFrom());
    assertEquals("[INST] {content} [/INST]", recipe.template().user());
  }

  @Test
  void theThreeStageRecipesLoadAndChainByInitFrom() {
    assertChained(RECIPES);
  }

  @Test
  void theDenseRecipesChainTheSameStagesOnTheDenseTwinAtEqualActiveParameters() {
    assertChained(RECIPES.resolve("dense"));
    ModelConfig moe = CohortConfig.load(RECIPES.resolve("pretrain.conf"), List.of()).model();
    ModelConfig dense = CohortConfig.load(RECIPES.resolve("dense/pretrain.conf"), List.of()).model();
    assertEquals(0, dense.moeLayerCount());
    long routers = (long) moe.moeLayerCount() * moe.moe().numExperts() * moe.hiddenSize();
    assertEquals(ModelLayout.activeParameterCount(moe) - routers, ModelLayout.activeParameterCount(dense));
    CohortConfig denseSft = CohortConfig.load(RECIPES.resolve("dense/sft.conf"), List.of());
    CohortConfig sft = CohortConfig.load(RECIPES.resolve("sft.conf"), List.of());
    assertEquals(sft.train(), denseSft.train(), "the same stage, only the model differs");
    assertEquals(sft.recipe().examples(), denseSft.recipe().examples());
  }

  @Test
  void theRoutingComparisonTrainsFourFeedForwardsOfEqualActiveSizeOnOneBudget() {
    Path compare = RECIPES.resolve("compare");
    CohortConfig dense = CohortConfig.load(compare.resolve("dense.conf"), List.of());
    long denseActive = ModelLayout.activeParameterCount(dense.model());
    assertEquals(denseActive, ModelLayout.activeParameterCount(
        CohortConfig.load(compare.resolve("cdmoe.conf"), List.of()).model()), "CDMoE");
    for (String moeRecipe : List.of("moe-aux.conf", "moe-bias.conf", "moe-fine.conf")) {
      CohortConfig moe = CohortConfig.load(compare.resolve(moeRecipe), List.of());
      long routers = (long) moe.model().moeLayerCount() * moe.model().moe().numExperts() * moe.model().hiddenSize();
      assertEquals(denseActive, ModelLayout.activeParameterCount(moe.model()) - routers, moeRecipe);
      assertEquals(dense.train(), moe.train(), "the same budget: " + moeRecipe);
      assertEquals(dense.data(), moe.data(), "the same corpus and tokenizer: " + moeRecipe);
    }
    assertEquals(CohortConfig.defaults().data().tokenizer(), dense.data().tokenizer());
  }

  private static void assertChained(Path recipes) {
    CohortConfig pretrain = CohortConfig.load(recipes.resolve("pretrain.conf"), List.of());
    CohortConfig sft = CohortConfig.load(recipes.resolve("sft.conf"), List.of());
    CohortConfig dpo = CohortConfig.load(recipes.resolve("dpo.conf"), List.of());
    assertEquals(RecipeConfig.LM, pretrain.recipe().objective());
    assertEquals(RecipeConfig.SFT, sft.recipe().objective());
    assertEquals(RecipeConfig.DPO, dpo.recipe().objective());
    assertEquals("runs/" + pretrain.run().name(), sft.recipe().initFrom());
    assertEquals("runs/" + sft.run().name(), dpo.recipe().initFrom());
    assertEquals(pretrain.model(), dpo.model(), "every stage trains the same model");
  }

  @Test
  void badRecipesAreRejectedWithTheirPath() {
    assertRejected("recipe.objective = rlhf", "cohort.recipe.objective");
    assertRejected("recipe.eval-examples = held-out.jsonl", "cohort.recipe.eval-examples");
    assertRejected("recipe.objective = sft", "cohort.recipe.examples");
    assertRejected("recipe.template.user = \"[INST]\"", "cohort.recipe.template.user");
    assertRejected("recipe.dpo.beta = 0", "cohort.recipe.dpo.beta");
    assertRejected("recipe.dpo.temperature = 1", "temperature");
  }

  private static void assertRejected(String override, String named) {
    ConfigError error = assertThrows(ConfigError.class, () -> CohortConfig.load(null, List.of(override)));
    assertTrue(error.getMessage().contains(named), error.getMessage());
  }
}
