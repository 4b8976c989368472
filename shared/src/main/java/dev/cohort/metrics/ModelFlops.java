package dev.cohort.metrics;

import dev.cohort.config.ModelConfig;
import dev.cohort.model.layout.ModelLayout;
import dev.cohort.model.layout.ParamNames;
import dev.cohort.model.layout.ParamSpec;

/**
 * Training FLOPs per token, as MFU counts them (PaLM, appendix B): 6 x the parameters a token passes through
 * (forward 2, backward 4 per multiply-add), plus attention's score and value products, 12 x layers x heads x
 * head_dim x sequence length. A token passes through top_k of the routed experts, and through the LM head but
 * not the embedding lookup (a gather, no multiply); norms are left out as elementwise.
 */
public final class ModelFlops {
  private ModelFlops() {}

  public static double perToken(ModelConfig model, int seqLen) {
    return 6 * activeMatmulParams(model) + attentionPerToken(model, seqLen);
  }

  static double activeMatmulParams(ModelConfig model) {
    double routedShare = model.moe().numExperts() == 0 ? 0
        : (double) model.moe().topK() / model.moe().numExperts();
    double active = (double) model.vocabSize() * model.hiddenSize(); // the LM head, tied or not
    for (int i = 0; i < model.numLayers(); i++) {
      for (ParamSpec spec : ModelLayout.layer(model, i)) {
        if (spec.shape().length < 2) continue; // norms
        active += ParamNames.isRoutedExpert(spec.name()) ? spec.numel() * routedShare : spec.numel();
      }
    }
    return active;
  }

  static double attentionPerToken(ModelConfig model, int seqLen) {
    return 12.0 * model.numLayers() * model.numHeads() * model.headDim() * seqLen;
  }
}
