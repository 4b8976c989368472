package dev.cohort.config;

import java.util.List;

/**
 * How a router turns its logits into per-expert scores.
 *
 * @param score {@code softmax} over the experts (Mixtral, Qwen2-MoE) or an independent {@code sigmoid} per expert
 *     (DeepSeek-V3, whose bias balancing needs scores that do not compete through a shared normaliser)
 */
public record RouterConfig(String score) {
  public static final String SOFTMAX = "softmax";
  public static final String SIGMOID = "sigmoid";

  public boolean sigmoid() {
    return score.equals(SIGMOID);
  }

  void validate(String path) {
    Check.that(List.of(SOFTMAX, SIGMOID).contains(score), path + ".score",
        "must be " + SOFTMAX + " or " + SIGMOID + ", got '" + score + "'");
  }
}
