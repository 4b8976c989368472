package dev.cohort.model;

import ai.djl.ndarray.NDArray;
import dev.cohort.config.ModelConfig;
import dev.cohort.model.layout.ParamNames;
import java.util.Optional;

/** One pre-norm decoder layer: h = x + attn(norm(x)); out = h + ffn(norm(h)), the ffn dense, CDMoE or MoE. */
public final class DecoderLayer {
  private final RmsNorm inputNorm;
  private final Attention attention;
  private final RmsNorm postAttentionNorm;
  private final FeedForward mlp; // null in an MoE layer
  private final MoeBlock moe; // null in a dense layer

  public DecoderLayer(RmsNorm inputNorm, Attention attention, RmsNorm postAttentionNorm, FeedForward mlp,
      MoeBlock moe) {
    this.inputNorm = inputNorm;
    this.attention = attention;
    this.postAttentionNorm = postAttentionNorm;
    this.mlp = mlp;
    this.moe = moe;
  }

  /** Layer {@code i} of the model with all its parameters (and all experts) local. */
  public static DecoderLayer local(Parameters params, int i, ModelConfig config, Rope rope) {
    return of(params, i, config, rope, null, Autocast.OFF);
  }

  /** @param experts where this layer's routed experts run; null for all of them local */
  public static DecoderLayer of(Parameters params, int i, ModelConfig config, Rope rope, ExpertCompute experts,
      Autocast autocast) {
    boolean sparse = config.moe().isMoeLayer(i);
    return new DecoderLayer(
        new RmsNorm(params.get(ParamNames.inputNorm(i)), config.rmsNormEps()),
        new Attention(params, i, config, rope, autocast),
        new RmsNorm(params.get(ParamNames.postAttentionNorm(i)), config.rmsNormEps()),
        sparse ? null : config.isCdmoeLayer(i) ? CdMoe.of(params, i, config.cdmoe(), autocast)
            : SwiGlu.dense(params, i, autocast),
        !sparse ? null : experts == null ? MoeBlock.local(params, i, config.moe(), autocast)
            : MoeBlock.of(params, i, config.moe(), experts, autocast));
  }

  public record Output(NDArray hidden, Optional<MoeOutput> moe) {}

  /** x: (B, T, d) -> (B, T, d); cache is null in training. */
  public Output forward(NDArray x, KvCache cache) {
    return forward(x, cache, null);
  }

  /** @param chosen the routing an earlier forward of this layer over x chose (see MoeBlock), or null */
  public Output forward(NDArray x, KvCache cache, NDArray chosen) {
    NDArray h = x.add(attention.forward(inputNorm.forward(x), cache)); // (B, T, d)
    NDArray normed = postAttentionNorm.forward(h);
    if (moe == null) return new Output(h.add(mlp.forward(normed)), Optional.empty());
    long b = x.getShape().get(0);
    long t = x.getShape().get(1);
    long d = x.getShape().get(2);
    MoeOutput routed = moe.forward(normed.reshape(b * t, d), Math.toIntExact(b), chosen); // (B*T, d)
    return new Output(h.add(routed.hidden().reshape(b, t, d)), Optional.of(routed));
  }
}
