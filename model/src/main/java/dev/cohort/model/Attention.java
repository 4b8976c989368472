package dev.cohort.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.cohort.config.ModelConfig;
import dev.cohort.model.layout.ParamNames;
import java.util.HashMap;
import java.util.Map;

/**
 * Causal multi-head self-attention with rotary positions and grouped-query heads (Ainslie et al., 2023): query head
 * h reads key/value head h / (heads / kvHeads), as Hugging Face's repeat_kv arranges it.
 */
public final class Attention {
  private final NDArray qProj; // (H*hd, d)
  private final NDArray kProj; // (KV*hd, d)
  private final NDArray vProj; // (KV*hd, d)
  private final NDArray oProj; // (d, H*hd)
  private final Rope rope;
  private final int heads;
  private final int kvHeads;
  private final int headDim;
  private final Map<Long, NDArray> masks = new HashMap<>();

  public Attention(Parameters params, int layer, ModelConfig config, Rope rope) {
    this.qProj = params.get(ParamNames.attention(layer, "q_proj"));
    this.kProj = params.get(ParamNames.attention(layer, "k_proj"));
    this.vProj = params.get(ParamNames.attention(layer, "v_proj"));
    this.oProj = params.get(ParamNames.attention(layer, "o_proj"));
    this.rope = rope;
    this.heads = config.numHeads();
    this.kvHeads = config.numKvHeads();
    this.headDim = config.headDim();
  }

  /**
   * x: (B, T, d) -> (B, T, d). With a cache, x holds the T newest positions and attends to every cached one too.
   *
   * @param cache null in training
   */
  public NDArray forward(NDArray x, KvCache cache) {
    long b = x.getShape().get(0);
    long t = x.getShape().get(1);
    int group = heads / kvHeads;
    long start = cache == null ? 0 : cache.length();
    // 1/sqrt(hd) applied to q rather than to the scores: with T keys per query, q is the smaller tensor (RoPE is linear,
    // so before or after it is the same).
    NDArray q = Ops.linear(x, qProj).mul(Ops.scalar(x, 1 / Math.sqrt(headDim))) // (B, T, H*hd)
        .reshape(b, t, heads, headDim).transpose(0, 2, 1, 3); // (B, H, T, hd)
    NDArray k = Ops.linear(x, kProj).reshape(b, t, kvHeads, headDim).transpose(0, 2, 1, 3); // (B, KV, T, hd)
    NDArray v = Ops.linear(x, vProj).reshape(b, t, kvHeads, headDim).transpose(0, 2, 1, 3); // (B, KV, T, hd)
    q = rope.apply(q, start);
    k = rope.apply(k, start);
    if (cache != null) {
      NDArray[] kv = cache.append(k, v);
      k = kv[0]; // (B, KV, S, hd), S = start + T
      v = kv[1];
    }
    long s = k.getShape().get(2);
    // Group the query heads that share a key/value head so one batched matmul serves the whole group.
    NDArray qGrouped = q.reshape(b, kvHeads, group * t, headDim); // (B, KV, G*T, hd)
    NDArray scores = qGrouped.matMul(k.transpose(0, 1, 3, 2)); // (B, KV, G*T, S)
    scores = scores.reshape(b, kvHeads, group, t, s).add(causalMask(t, s));
    NDArray weights = scores.softmax(-1).reshape(b, kvHeads, group * t, s); // (B, KV, G*T, S)
    NDArray out = weights.matMul(v) // (B, KV, G*T, hd)
        .reshape(b, heads, t, headDim)
        .transpose(0, 2, 1, 3) // (B, T, H, hd)
        .reshape(b, t, (long) heads * headDim);
    return Ops.linear(out, oProj); // (B, T, d)
  }

  /** (T, S) additive mask: query i (absolute position S - T + i) sees keys 0..S-T+i. Built once per shape. */
  private NDArray causalMask(long t, long s) {
    return masks.computeIfAbsent(t * 1_000_003L + s, key -> {
      double[] mask = new double[Math.toIntExact(t * s)];
      for (int i = 0; i < t; i++) {
        for (long j = s - t + i + 1; j < s; j++) mask[(int) (i * s + j)] = Double.NEGATIVE_INFINITY;
      }
      return Ops.constant(qProj.getManager(), mask, new Shape(t, s), qProj.getDataType());
    });
  }
}
