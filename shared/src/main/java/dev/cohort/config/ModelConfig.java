package dev.cohort.config;

/**
 * A LLaMA-style decoder with an MoE feed-forward. Field names follow Hugging Face's config.json where one exists.
 *
 * @param vocabSize rows of the embedding and of the LM head; at least the tokenizer's vocabulary
 * @param hiddenSize model width d
 * @param numLayers decoder layers
 * @param numHeads query heads
 * @param numKvHeads key/value heads (grouped-query attention); divides numHeads
 * @param intermediateSize hidden width of the dense SwiGLU MLP (layers that are not MoE)
 * @param ropeTheta base of the rotary frequencies
 * @param rmsNormEps epsilon inside every RMSNorm
 * @param tieEmbeddings the LM head reuses the token embedding
 * @param maxSeqLen longest sequence the rotary tables cover (training and generation)
 * @param initStd standard deviation of the normal initialisation (GPT-2's 0.02)
 * @param moe the mixture-of-experts feed-forward; num-experts = 0 makes every layer dense
 * @param loop a block of layers run several times per forward with shared weights (times = 1: none)
 * @param cdmoe Doge's CDMoE: private single-neuron experts added to every dense layer's SwiGLU (num-experts = 0: off)
 */
public record ModelConfig(
    int vocabSize,
    int hiddenSize,
    int numLayers,
    int numHeads,
    int numKvHeads,
    int intermediateSize,
    double ropeTheta,
    double rmsNormEps,
    boolean tieEmbeddings,
    int maxSeqLen,
    double initStd,
    MoeConfig moe,
    LoopConfig loop,
    CdmoeConfig cdmoe) {

  /** No looped layers: the stack runs once, as before loops existed. */
  public static final LoopConfig NO_LOOP = new LoopConfig(0, 0, 1);

  /** No CDMoE: dense layers are plain SwiGLU. */
  public static final CdmoeConfig NO_CDMOE = new CdmoeConfig(0, 0, 0, 0);

  public ModelConfig(int vocabSize, int hiddenSize, int numLayers, int numHeads, int numKvHeads, int intermediateSize,
      double ropeTheta, double rmsNormEps, boolean tieEmbeddings, int maxSeqLen, double initStd, MoeConfig moe) {
    this(vocabSize, hiddenSize, numLayers, numHeads, numKvHeads, intermediateSize, ropeTheta, rmsNormEps,
        tieEmbeddings, maxSeqLen, initStd, moe, NO_LOOP, NO_CDMOE);
  }

  public ModelConfig(int vocabSize, int hiddenSize, int numLayers, int numHeads, int numKvHeads, int intermediateSize,
      double ropeTheta, double rmsNormEps, boolean tieEmbeddings, int maxSeqLen, double initStd, MoeConfig moe,
      LoopConfig loop) {
    this(vocabSize, hiddenSize, numLayers, numHeads, numKvHeads, intermediateSize, ropeTheta, rmsNormEps,
        tieEmbeddings, maxSeqLen, initStd, moe, loop, NO_CDMOE);
  }

  /** Whether layer {@code index} is a CDMoE layer: every layer that is not an MoE layer, when CDMoE is on. */
  public boolean isCdmoeLayer(int index) {
    return cdmoe.enabled() && !moe.isMoeLayer(index);
  }

  public int headDim() {
    return hiddenSize / numHeads;
  }

  /** MoE blocks a forward runs (a looped MoE layer counts once per pass): the length of the MoE outputs list. */
  public int moeLayerCount() {
    int count = 0;
    for (int i : loop.schedule(numLayers)) if (moe.isMoeLayer(i)) count++;
    return count;
  }

  void validate(String path) {
    Check.positive(path + ".vocab-size", vocabSize);
    Check.positive(path + ".hidden-size", hiddenSize);
    Check.positive(path + ".num-layers", numLayers);
    Check.positive(path + ".num-heads", numHeads);
    Check.positive(path + ".num-kv-heads", numKvHeads);
    Check.that(hiddenSize % numHeads == 0, path + ".num-heads",
        "must divide hidden-size=" + hiddenSize + ", got " + numHeads);
    Check.that(headDim() % 2 == 0, path + ".num-heads", "head dim (hidden-size / num-heads) must be even for RoPE");
    Check.that(numHeads % numKvHeads == 0, path + ".num-kv-heads",
        "must divide num-heads=" + numHeads + ", got " + numKvHeads);
    Check.positive(path + ".intermediate-size", intermediateSize);
    Check.positive(path + ".rope-theta", ropeTheta);
    Check.positive(path + ".rms-norm-eps", rmsNormEps);
    Check.positive(path + ".max-seq-len", maxSeqLen);
    Check.positive(path + ".init-std", initStd);
    moe.validate(path + ".moe");
    loop.validate(path + ".loop", numLayers);
    cdmoe.validate(path + ".cdmoe");
  }
}
