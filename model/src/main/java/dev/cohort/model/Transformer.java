package dev.cohort.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import dev.cohort.config.LoopConfig;
import dev.cohort.config.ModelConfig;
import dev.cohort.config.TrainConfig;
import dev.cohort.model.layout.ParamNames;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * The decoder-only language model, or one pipeline stage of it: the token embedding (first stage), decoder layers
 * [firstLayer, endLayer), then the final RMSNorm and the LM head (last stage; the head is the embedding itself when
 * tied). The whole model is the stage [0, L) with both ends: tokens (B, T) int64 -> logits (B, T, V).
 */
public final class Transformer {
  /** Most logits the loss holds at once (16 MiB in float32): see headCrossEntropy. */
  private static final long LOSS_BLOCK_LOGITS = 1L << 22;

  private final ModelConfig config;
  private final Slice slice;
  private final NDArray embedding; // (V, d), null on a stage without the embedding
  private final List<DecoderLayer> layers;
  private final RmsNorm finalNorm; // null on a stage without the head
  private final NDArray head; // (V, d), null on a stage without the head
  private final Autocast autocast;

  /** Which part of the model a process holds. */
  public record Slice(int firstLayer, int endLayer, boolean hasEmbedding, boolean hasHead) {
    public static Slice whole(ModelConfig config) {
      return new Slice(0, config.numLayers(), true, true);
    }
  }

  /** The whole model in its parameters' precision. */
  public Transformer(ModelConfig config, Parameters params, NDManager manager) {
    this(config, params, manager, Autocast.OFF);
  }

  public Transformer(ModelConfig config, Parameters params, NDManager manager, Autocast autocast) {
    this(config, params, manager, Slice.whole(config), layer -> null, autocast);
  }

  /** The whole model as {@code train} trains it: in its precision, with its experts recomputed if it says so. */
  public Transformer(ModelConfig config, Parameters params, NDManager manager, TrainConfig train) {
    this(config, params, manager, Slice.whole(config), localExperts(params, config, train), Autocast.of(train));
  }

  public Transformer(ModelConfig config, Parameters params, NDManager manager, Slice slice) {
    this(config, params, manager, slice, layer -> null, Autocast.OFF);
  }

  /**
   * @param experts where each MoE layer's routed experts run (null from it: all local)
   * @param autocast the precision of the products (train.precision)
   */
  public Transformer(ModelConfig config, Parameters params, NDManager manager, Slice slice,
      IntFunction<ExpertCompute> experts, Autocast autocast) {
    this.config = config;
    this.slice = slice;
    this.autocast = autocast;
    this.embedding = slice.hasEmbedding() ? params.get(ParamNames.EMBED) : null;
    Rope rope = new Rope(config.headDim(), config.ropeTheta(), config.maxSeqLen(), manager,
        params.arrays().iterator().next().getDataType());
    requireWholeLoop(config.loop(), slice);
    Map<Integer, DecoderLayer> built = new HashMap<>();
    List<DecoderLayer> run = new ArrayList<>();
    for (int i : config.loop().schedule(config.numLayers())) {
      if (i < slice.firstLayer() || i >= slice.endLayer()) continue;
      // A looped layer is built once and appears once per pass: the passes share its weights.
      run.add(built.computeIfAbsent(i, layer -> DecoderLayer.of(params, layer, config, rope,
          config.moe().isMoeLayer(layer) ? experts.apply(layer) : null, autocast)));
    }
    this.layers = List.copyOf(run);
    this.finalNorm = slice.hasHead() ? new RmsNorm(params.get(ParamNames.FINAL_NORM), config.rmsNormEps()) : null;
    this.head = !slice.hasHead() ? null
        : params.get(config.tieEmbeddings() ? ParamNames.EMBED : ParamNames.LM_HEAD);
  }

  /**
   * Where the MoE layers' experts run when this process holds them all: recomputed at backward under
   * train.recompute = experts, else in the graph (null: the default).
   */
  public static IntFunction<ExpertCompute> localExperts(Parameters params, ModelConfig config, TrainConfig train) {
    Autocast autocast = Autocast.of(train);
    return layer -> train.recomputeExperts()
        ? new RecomputedExperts(LocalExperts.of(params, layer, config.moe(), autocast)) : null;
  }

  /** A looped block runs its passes back to back, so one process must hold all of it. */
  private static void requireWholeLoop(LoopConfig loop, Slice slice) {
    if (!loop.looped()) return;
    boolean inside = loop.start() >= slice.firstLayer() && loop.end() <= slice.endLayer();
    boolean outside = loop.end() <= slice.firstLayer() || loop.start() >= slice.endLayer();
    if (!inside && !outside) {
      throw new IllegalArgumentException("looped layers [" + loop.start() + ", " + loop.end() + ") are split by the "
          + "stage [" + slice.firstLayer() + ", " + slice.endLayer() + "): a pipeline stage must hold a loop whole");
    }
  }

  public ModelConfig config() {
    return config;
  }

  public Slice slice() {
    return slice;
  }

  public record Output(NDArray logits, List<MoeOutput> moe) {}

  /** The hidden state after this slice's layers, and their MoE outputs in layer order. */
  public record Hidden(NDArray hidden, List<MoeOutput> moe) {}

  /**
   * tokens: (B, T) int64 -> logits (B, T, V), through the whole model.
   *
   * @param caches one per layer for incremental decoding, or null in training
   */
  public Output forward(NDArray tokens, List<KvCache> caches) {
    Hidden h = layers(embed(tokens), caches);
    return new Output(logits(h.hidden()), h.moe());
  }

  /** tokens: (B, T) int64 -> (B, T, d) */
  public NDArray embed(NDArray tokens) {
    return Ops.rows(embedding, tokens);
  }

  /** x: (B, T, d) -> (B, T, d) through this slice's decoder layers, a looped block once per pass. */
  public Hidden layers(NDArray x, List<KvCache> caches) {
    List<MoeOutput> moe = new ArrayList<>();
    for (int i = 0; i < layers.size(); i++) {
      DecoderLayer.Output out = layers.get(i).forward(x, caches == null ? null : caches.get(i));
      x = out.hidden();
      out.moe().ifPresent(moe::add);
    }
    return new Hidden(x, moe);
  }

  /**
   * x: (B, T, d) -> (B, T, d) through this slice's decoder layers without a graph, each to be run again at backward
   * (train.recompute = layers): {@link RecomputedLayers#hidden()} is the output, {@link RecomputedLayers#backward}
   * the backward.
   */
  public RecomputedLayers recomputedLayers(NDArray x) {
    return RecomputedLayers.forward(layers, config.moe(), x);
  }

  /**
   * x: (B, T, d) -> (B, T, d) through this slice's decoder layers, each recorded on its own and its experts'
   * activations not kept (train.recompute = experts, the experts built by {@link #localExperts} or recomputing
   * themselves likewise): {@link RecomputedLayers#backward} back-propagates layer by layer.
   */
  public RecomputedLayers recomputedExperts(NDArray x) {
    return RecomputedLayers.forwardWithRecomputedExperts(layers, config.moe(), x);
  }

  /** This slice's layers as {@code train.recompute} asks: null for none, else to be back-propagated by layer. */
  public RecomputedLayers recomputed(NDArray x, TrainConfig train) {
    if (train.recomputeLayers()) return recomputedLayers(x);
    return train.recomputeExperts() ? recomputedExperts(x) : null;
  }

  /** x: (B, T, d) -> logits (B, T, V), in float32 under mixed precision (as Hugging Face's logits.float()) */
  public NDArray logits(NDArray x) {
    return autocast.full(autocast.linear(finalNorm.forward(x), head));
  }

  /** Next-token cross-entropy plus the weighted router losses. tokens, targets: (B, T) int64. */
  public Loss loss(NDArray tokens, NDArray targets) {
    Hidden h = layers(embed(tokens), null);
    return Loss.of(headCrossEntropy(h.hidden(), targets), h.moe(), config.moe());
  }

  /**
   * crossEntropy(logits(x), targets) for x: (B, T, d), computed over blocks of rows so the (N, V) logits, their
   * log-softmax and its gradient never exist whole: at N 2048, V 8192 the head and loss took a quarter less CPU in 4
   * blocks of LOSS_BLOCK_LOGITS than in one (our reading: glibc maps every block over 32 MiB afresh, page faults and
   * all, and reuses smaller ones).
   */
  public NDArray headCrossEntropy(NDArray x, NDArray targets) {
    return headCrossEntropy(x, targets, LOSS_BLOCK_LOGITS);
  }

  /** @param blockLogits most logits per block (a block has at least one row) */
  NDArray headCrossEntropy(NDArray x, NDArray targets, long blockLogits) {
    long d = x.getShape().get(x.getShape().dimension() - 1);
    NDArray rows = finalNorm.forward(x).reshape(-1, d); // (N, d)
    long n = rows.getShape().get(0);
    long[] sizes = blockSizes(n, Math.max(1, blockLogits / head.getShape().get(0)));
    NDList rowBlocks = Ops.split(rows, sizes, 0); // one split: its backward is one concatenation
    NDList targetBlocks = Ops.split(targets.reshape(-1, 1), sizes, 0);
    NDArray sum = null;
    for (int i = 0; i < sizes.length; i++) {
      NDArray logProbs = autocast.logSoftmax(autocast.linear(rowBlocks.get(i), head), -1); // (rows, V), float32
      NDArray picked = logProbs.gather(targetBlocks.get(i), 1).sum();
      sum = sum == null ? picked : sum.add(picked);
    }
    return sum.div(Ops.scalar(sum, n)).neg();
  }

  /** n split into blocks of {@code block}, the last one shorter. */
  private static long[] blockSizes(long n, long block) {
    long[] sizes = new long[Math.toIntExact((n + block - 1) / block)];
    Arrays.fill(sizes, block);
    sizes[sizes.length - 1] = n - block * (sizes.length - 1);
    return sizes;
  }

  /** Mean of -log p(target): the target's log-probability gathered, never a dense one-hot. */
  public static NDArray crossEntropy(NDArray logits, NDArray targets) {
    long v = logits.getShape().get(logits.getShape().dimension() - 1);
    NDArray flat = logits.reshape(-1, v).logSoftmax(-1); // (N, V)
    return flat.gather(targets.reshape(-1, 1), 1).mean().neg();
  }

  /** Layers a forward runs (looped ones once per pass): one KV cache each when generating. */
  public int numLayers() {
    return layers.size();
  }
}
