package dev.cohort.model;

import ai.djl.ndarray.NDArray;

/** Root-mean-square layer norm (Zhang and Sennrich, 2019), as LLaMA uses it: no mean subtraction, no bias. */
public final class RmsNorm {
  private final NDArray weight;
  private final double eps;

  public RmsNorm(NDArray weight, double eps) {
    this.weight = weight;
    this.eps = eps;
  }

  /** x: (..., d) -> (..., d) */
  public NDArray forward(NDArray x) {
    NDArray meanSquare = x.square().mean(new int[] {-1}, true); // (..., 1)
    // The reciprocal on the small (..., 1) tensor, then a product: a full-size division costs more, forward and
    // backward (as torch's x * rsqrt(...) in Hugging Face's LlamaRMSNorm).
    NDArray inverseRms = Ops.scalar(x, 1).div(meanSquare.add(Ops.scalar(x, eps)).sqrt()); // (..., 1)
    return x.mul(inverseRms).mul(weight);
  }
}
