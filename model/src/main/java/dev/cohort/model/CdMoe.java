package dev.cohort.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import dev.cohort.config.CdmoeConfig;
import dev.cohort.model.layout.ParamNames;

/**
 * Doge's cross-domain MoE (CDMoE): the dense SwiGLU as a shared branch, plus per head the experts-per-head private
 * experts of the largest product-key scores. Expert e is one neuron: silu(down_e . x) scales up_e. A head's query
 * q = (q1, q2) scores sub-key tables K1 and K2 (sqrt(E) keys each); expert (i, j) = i * sqrt(E) + j scores
 * q1 . K1_i + q2 . K2_j, so the top-k of all E sums is found among the top-k x top-k pairs of each table's top-k.
 * The chosen experts' outputs are weighted by the softmax of their scores and summed over heads.
 */
public final class CdMoe implements FeedForward {
  private static final long[] HALVES = {1, 1};

  private final SwiGlu shared;
  private final NDArray queries; // (H * R, d)
  private final NDArray keys; // (H, K, 2, R/2)
  private final NDArray downEmbed; // (E, d)
  private final NDArray upEmbed; // (E, d)
  private final CdmoeConfig config;

  public CdMoe(SwiGlu shared, NDArray queries, NDArray keys, NDArray downEmbed, NDArray upEmbed,
      CdmoeConfig config) {
    this.shared = shared;
    this.queries = queries;
    this.keys = keys;
    this.downEmbed = downEmbed;
    this.upEmbed = upEmbed;
    this.config = config;
  }

  /** The shared branch computes in the run's precision; the retrieval and the private experts stay in float32. */
  public static CdMoe of(Parameters params, int layer, CdmoeConfig config, Autocast autocast) {
    return new CdMoe(SwiGlu.dense(params, layer, autocast), params.get(ParamNames.cdmoe(layer, "queries_proj.weight")),
        params.get(ParamNames.cdmoe(layer, "keys")), params.get(ParamNames.cdmoe(layer, "down_embed.weight")),
        params.get(ParamNames.cdmoe(layer, "up_embed.weight")), config);
  }

  /** x: (..., d) -> (..., d) */
  @Override
  public NDArray forward(NDArray x) {
    long d = x.getShape().get(x.getShape().dimension() - 1);
    NDArray tokens = x.reshape(-1, d); // (N, d)
    return privateExperts(tokens).reshape(x.getShape()).add(shared.forward(x)); // float32 + the shared branch's dtype
  }

  /** x: (N, d) -> (N, d), the retrieved experts' weighted outputs summed over heads. */
  private NDArray privateExperts(NDArray x) {
    long n = x.getShape().get(0);
    int heads = config.numHeads();
    int k = config.expertsPerHead();
    long numKeys = config.numKeys();
    long half = config.retrievalSize() / 2;
    NDArray q = Ops.linear(x, queries).reshape(n, heads, 2, half).transpose(2, 1, 0, 3); // (2, H, N, R/2)
    NDArray subKeys = keys.transpose(2, 0, 3, 1); // (2, H, R/2, K)
    NDList top = q.matMul(subKeys).topK(k, -1); // values, indices: (2, H, N, k)
    NDList values = Ops.split(top.get(0), HALVES, 0); // two (1, H, N, k)
    NDList indices = Ops.split(top.get(1), HALVES, 0);
    NDArray pairScores = values.get(0).squeeze(0).expandDims(-1).add(values.get(1).squeeze(0).expandDims(-2))
        .reshape(heads, n, (long) k * k); // (H, N, k*k)
    NDArray pairExperts = indices.get(0).squeeze(0).expandDims(-1).mul(Ops.scalar(indices.get(0), numKeys))
        .add(indices.get(1).squeeze(0).expandDims(-2)).reshape(heads, n, (long) k * k); // (H, N, k*k) int64
    NDList best = pairScores.topK(k, -1); // values, positions: (H, N, k)
    NDArray experts = pairExperts.gather(best.get(1), -1); // (H, N, k) int64
    NDArray weights = best.get(0).softmax(-1); // (H, N, k)
    NDArray down = Ops.rows(downEmbed, experts); // (H, N, k, d)
    NDArray activation = Ops.silu(down.mul(x.expandDims(0).expandDims(2)).sum(new int[] {-1})) // (H, N, k)
        .mul(weights);
    NDArray up = Ops.rows(upEmbed, experts); // (H, N, k, d)
    return up.mul(activation.expandDims(-1)).sum(new int[] {0, 2}); // (N, d)
  }
}
