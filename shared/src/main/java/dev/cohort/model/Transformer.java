package dev.cohort.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.cohort.config.ModelConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * The decoder-only language model: embed, the decoder layers, a final RMSNorm, and the LM head (the embedding
 * itself when tied). tokens (B, T) int64 -> logits (B, T, V).
 */
public final class Transformer {
  private final ModelConfig config;
  private final NDArray embedding; // (V, d)
  private final List<DecoderLayer> layers;
  private final RmsNorm finalNorm;
  private final NDArray head; // (V, d)

  public Transformer(ModelConfig config, Parameters params, NDManager manager) {
    this.config = config;
    this.embedding = params.get(ParamNames.EMBED);
    Rope rope = new Rope(config.headDim(), config.ropeTheta(), config.maxSeqLen(), manager, embedding.getDataType());
    List<DecoderLayer> built = new ArrayList<>();
    for (int i = 0; i < config.numLayers(); i++) built.add(DecoderLayer.local(params, i, config, rope));
    this.layers = List.copyOf(built);
    this.finalNorm = new RmsNorm(params.get(ParamNames.FINAL_NORM), config.rmsNormEps());
    this.head = config.tieEmbeddings() ? embedding : params.get(ParamNames.LM_HEAD);
  }

  public ModelConfig config() {
    return config;
  }

  public record Output(NDArray logits, List<MoeOutput> moe) {}

  /**
   * tokens: (B, T) int64 -> logits (B, T, V).
   *
   * @param caches one per layer for incremental decoding, or null in training
   */
  public Output forward(NDArray tokens, List<KvCache> caches) {
    NDArray x = Ops.rows(embedding, tokens); // (B, T, d)
    List<MoeOutput> moe = new ArrayList<>();
    for (int i = 0; i < layers.size(); i++) {
      DecoderLayer.Output out = layers.get(i).forward(x, caches == null ? null : caches.get(i));
      x = out.hidden();
      out.moe().ifPresent(moe::add);
    }
    return new Output(Ops.linear(finalNorm.forward(x), head), moe); // (B, T, V)
  }

  /** Next-token cross-entropy plus the weighted router losses. tokens, targets: (B, T) int64. */
  public Loss loss(NDArray tokens, NDArray targets) {
    Output out = forward(tokens, null);
    NDArray crossEntropy = crossEntropy(out.logits(), targets);
    return Loss.of(crossEntropy, out.moe(), config.moe());
  }

  /** Mean of -log p(target): the target's log-probability gathered, never a dense one-hot. */
  public static NDArray crossEntropy(NDArray logits, NDArray targets) {
    long v = logits.getShape().get(logits.getShape().dimension() - 1);
    NDArray flat = logits.reshape(-1, v).logSoftmax(-1); // (N, V)
    return flat.gather(targets.reshape(-1, 1), 1).mean().neg();
  }

  public int numLayers() {
    return layers.size();
  }
}
