package dev.cohort.placement;

import dev.cohort.config.ModelConfig;
import dev.cohort.config.MoeConfig;

/**
 * Forward FLOPs per token of each part of the model, the weight the planner balances stages by. A matrix product
 * of a token's d-vector by a d x n matrix costs 2*d*n (a multiply and an add). Backward costs about twice the
 * forward for every part alike, so the forward alone ranks stages the same way. Norms, RoPE, softmax and the
 * embedding lookup are memory-bound and small next to the matrix products: counted as zero.
 */
public final class LayerCost {
  private static final long MULTIPLY_ADD = 2;
  /** A SwiGLU MLP holds three matrices: gate, up and down. */
  private static final long SWIGLU_MATRICES = 3;

  private LayerCost() {}

  /** Attention plus the layer's feed-forward (dense MLP, or the active part of the MoE block). */
  public static long layer(ModelConfig model, int layer) {
    long feedForward = model.moe().isMoeLayer(layer)
        ? moe(model)
        : swiGlu(model.hiddenSize(), model.intermediateSize()) + (model.isCdmoeLayer(layer) ? cdmoe(model) : 0);
    return attention(model) + feedForward;
  }

  /**
   * CDMoE's private experts: the heads' queries, the scores of both sub-key tables, and per head and chosen expert
   * one dot product with down_e and one scaled up_e (the candidate pairs' sums and top-k are small next to these).
   */
  static long cdmoe(ModelConfig model) {
    var c = model.cdmoe();
    long d = model.hiddenSize();
    long queries = MULTIPLY_ADD * d * c.numHeads() * c.retrievalSize();
    long keys = MULTIPLY_ADD * (long) c.numHeads() * c.numKeys() * c.retrievalSize();
    long experts = MULTIPLY_ADD * 2L * d * c.numHeads() * c.expertsPerHead();
    return queries + keys + experts;
  }

  /** The LM head over the whole vocabulary: the last stage's extra weight. */
  public static long head(ModelConfig model) {
    return MULTIPLY_ADD * model.hiddenSize() * model.vocabSize();
  }

  /**
   * Q, K, V and O projections (K and V narrowed by grouped-query attention) plus scores and the weighted sum of
   * values. A causal token attends to (T+1)/2 positions on average; T is taken as max-seq-len, an upper bound when
   * training windows are shorter.
   */
  static long attention(ModelConfig model) {
    long d = model.hiddenSize();
    long kvWidth = (long) model.numKvHeads() * model.headDim();
    long projections = MULTIPLY_ADD * (2 * d * d + 2 * d * kvWidth);
    long averageContext = (model.maxSeqLen() + 1) / 2;
    long scoresAndValues = 2 * MULTIPLY_ADD * d * averageContext;
    return projections + scoresAndValues;
  }

  /** Router, the top-k routed experts each token visits, and the shared experts (with their gate) it always visits. */
  static long moe(ModelConfig model) {
    MoeConfig moe = model.moe();
    long d = model.hiddenSize();
    long router = MULTIPLY_ADD * d * moe.numExperts();
    long routed = moe.topK() * swiGlu(d, moe.expertFfnSize());
    long shared = moe.numSharedExperts() * swiGlu(d, moe.sharedExpertFfnSize());
    long sharedGate = moe.numSharedExperts() > 0 && moe.sharedExpertGate() ? MULTIPLY_ADD * d : 0;
    return router + routed + shared + sharedGate;
  }

  private static long swiGlu(long d, long hidden) {
    return SWIGLU_MATRICES * MULTIPLY_ADD * d * hidden;
  }
}
