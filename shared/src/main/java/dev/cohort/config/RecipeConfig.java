package dev.cohort.config;

import java.util.Set;

/**
 * What a run trains for and where its weights start: one stage of a pretrain -> SFT -> DPO pipeline.
 *
 * @param objective "lm": next-token prediction on the data.* corpus (pretraining); "sft": supervised fine-tuning on
 *     {@code examples} with the loss on response tokens only; "dpo": direct preference optimisation on
 *     {@code examples} against a frozen copy of the starting weights
 * @param initFrom "" for a fresh initialisation; else a run directory (its newest complete checkpoint) or one
 *     checkpoint directory. Weights only: the optimizer, the step count and the LR schedule start afresh
 * @param examples JSON-lines file of the sft or dpo examples (unused by lm)
 * @param evalExamples "" for none; else held-out examples in the same format, on which sft and dpo report val_loss
 *     (dpo also val_reward_accuracy and val_reward_margin) every train.eval-every steps and at the end
 * @param pack sft: pack several examples into each data.seq-len window (false: one example per window, padded)
 * @param template how a conversation becomes text (sft, dpo and choice evaluation)
 * @param dpo the DPO loss's settings
 */
public record RecipeConfig(
    String objective,
    String initFrom,
    String examples,
    String evalExamples,
    boolean pack,
    ChatTemplateConfig template,
    DpoConfig dpo) {

  public static final String LM = "lm";
  public static final String SFT = "sft";
  public static final String DPO = "dpo";
  private static final Set<String> OBJECTIVES = Set.of(LM, SFT, DPO);

  public boolean onExamples() {
    return !objective.equals(LM);
  }

  void validate(String path) {
    Check.that(OBJECTIVES.contains(objective), path + ".objective",
        "must be lm, sft or dpo, got '" + objective + "'");
    Check.that(!onExamples() || !examples.isBlank(), path + ".examples",
        "must name a JSON-lines file of examples when objective = " + objective);
    Check.that(onExamples() || evalExamples.isBlank(), path + ".eval-examples",
        "is for sft and dpo; objective = lm evaluates on the corpus's validation split");
    template.validate(path + ".template");
    dpo.validate(path + ".dpo");
  }
}
