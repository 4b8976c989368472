package dev.cohort.hf;

import dev.cohort.config.ModelConfig;
import dev.cohort.config.MoeConfig;
import java.util.Arrays;

/**
 * The transformers model classes a Cohort model maps onto, one to one in weights and forward: LLaMA for a dense
 * model, Mixtral for routed experts in every layer, Qwen2-MoE for shared experts (and dense layers between MoE ones).
 */
public enum HfArchitecture {
  LLAMA("LlamaForCausalLM", "llama"),
  MIXTRAL("MixtralForCausalLM", "mixtral"),
  QWEN2_MOE("Qwen2MoeForCausalLM", "qwen2_moe");

  private final String className;
  private final String modelType;

  HfArchitecture(String className, String modelType) {
    this.className = className;
    this.modelType = modelType;
  }

  public String className() {
    return className;
  }

  public String modelType() {
    return modelType;
  }

  /**
   * The architecture that computes exactly what {@code model} computes, or an {@link HfError} naming the Cohort
   * feature transformers has no equivalent for.
   *
   * @param dropless accept a capacity factor: transformers' MoE blocks never drop tokens, so the export computes the
   *     dropless forward (what inference does anyway)
   */
  public static HfArchitecture of(ModelConfig model, boolean dropless) {
    if (model.loop().looped()) {
      throw new HfError("looped layers (model.loop: layers [" + model.loop().start() + ", " + model.loop().end()
          + ") run " + model.loop().times() + " times) have no transformers equivalent");
    }
    if (model.cdmoe().enabled()) {
      throw new HfError("model.cdmoe (Doge's CDMoE) is not exported: Doge's transformers class also needs its "
          + "dynamic mask attention, which Cohort's attention is not");
    }
    MoeConfig moe = model.moe();
    if (moe.numExperts() == 0) return LLAMA;
    if (!moe.dropless() && !dropless) {
      throw new HfError("moe.capacity-factor = " + moe.capacityFactor() + " drops tokens over capacity; transformers' "
          + "MoE blocks are dropless. Pass --dropless to export the dropless forward");
    }
    if (moe.router().sigmoid() || moe.biasBalanced()) {
      // DeepSeek-V3, the one transformers class with sigmoid scores and e_score_correction_bias, also needs its
      // multi-head latent attention, which Cohort's attention is not: refusing beats writing a model that differs.
      throw new HfError("moe.router.score = " + moe.router().score() + ", moe.balance = " + moe.balance() + ": Mixtral "
          + "and Qwen2-MoE route by softmax with no bias, and DeepSeek-V3 (which has sigmoid scores and "
          + "e_score_correction_bias) needs multi-head latent attention; export a softmax, aux-loss model instead");
    }
    if (moe.numSharedExperts() > 0) {
      if (!moe.sharedExpertGate()) {
        throw new HfError("shared experts without moe.shared-expert-gate: Qwen2-MoE always scales its shared expert "
            + "by sigmoid(x W_g), and Mixtral has none");
      }
      return QWEN2_MOE;
    }
    if (model.moeLayerCount() != model.numLayers()) {
      throw new HfError("dense layers between MoE layers (moe.first-dense-layers / moe.layer-step) without shared "
          + "experts: Mixtral has an MoE block in every layer, and Qwen2-MoE always has a shared expert");
    }
    if (!moe.normalizeTopK()) {
      throw new HfError("moe.normalize-top-k = false without shared experts: Mixtral always renormalises the top-k "
          + "routing weights");
    }
    return MIXTRAL;
  }

  /** The architecture a config.json names in "architectures" (or, failing that, "model_type"). */
  public static HfArchitecture named(String classOrType) {
    return Arrays.stream(values())
        .filter(a -> a.className.equals(classOrType) || a.modelType.equals(classOrType))
        .findFirst()
        .orElseThrow(() -> new HfError("unsupported architecture '" + classOrType + "': Cohort reads "
            + Arrays.stream(values()).map(HfArchitecture::className).toList()));
  }
}
