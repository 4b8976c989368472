package dev.cohort.model.layout;

import dev.cohort.config.ModelConfig;
import dev.cohort.config.MoeConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntPredicate;

/**
 * Every parameter of a model, in a fixed order, with its shape and init. The single place that knows the
 * architecture's parameter inventory: the model classes, the optimizer, checkpoints and placement all read it.
 */
public final class ModelLayout {
  private ModelLayout() {}

  public static List<ParamSpec> of(ModelConfig model) {
    return stage(model, 0, model.numLayers(), true, true);
  }

  /** The parameters of decoder layer {@code i} alone. */
  public static List<ParamSpec> layer(ModelConfig model, int i) {
    List<ParamSpec> specs = new ArrayList<>();
    double std = model.initStd();
    // GPT-2's scaled init for the projections that write into the residual stream: their sum over 2L
    // sublayers keeps the residual's variance independent of depth (L as run, a looped block once per pass).
    double residualStd = std / Math.sqrt(2.0 * model.loop().effectiveDepth(model.numLayers()));
    long d = model.hiddenSize();
    long qDim = (long) model.numHeads() * model.headDim();
    long kvDim = (long) model.numKvHeads() * model.headDim();
    specs.add(new ParamSpec(ParamNames.inputNorm(i), new long[] {d}, 0));
    specs.add(new ParamSpec(ParamNames.attention(i, "q_proj"), new long[] {qDim, d}, std));
    specs.add(new ParamSpec(ParamNames.attention(i, "k_proj"), new long[] {kvDim, d}, std));
    specs.add(new ParamSpec(ParamNames.attention(i, "v_proj"), new long[] {kvDim, d}, std));
    specs.add(new ParamSpec(ParamNames.attention(i, "o_proj"), new long[] {d, qDim}, residualStd));
    specs.add(new ParamSpec(ParamNames.postAttentionNorm(i), new long[] {d}, 0));
    MoeConfig moe = model.moe();
    if (!moe.isMoeLayer(i)) {
      long f = model.intermediateSize();
      specs.add(new ParamSpec(ParamNames.mlp(i, "gate_proj"), new long[] {f, d}, std));
      specs.add(new ParamSpec(ParamNames.mlp(i, "up_proj"), new long[] {f, d}, std));
      specs.add(new ParamSpec(ParamNames.mlp(i, "down_proj"), new long[] {d, f}, residualStd));
      return specs;
    }
    specs.add(new ParamSpec(ParamNames.router(i), new long[] {moe.numExperts(), d}, std));
    long f = moe.expertFfnSize();
    for (int e = 0; e < moe.numExperts(); e++) {
      specs.add(new ParamSpec(ParamNames.expert(i, e, "w1"), new long[] {f, d}, std));
      specs.add(new ParamSpec(ParamNames.expert(i, e, "w3"), new long[] {f, d}, std));
      specs.add(new ParamSpec(ParamNames.expert(i, e, "w2"), new long[] {d, f}, residualStd));
    }
    if (moe.numSharedExperts() > 0) {
      long fs = (long) moe.numSharedExperts() * moe.sharedExpertFfnSize();
      specs.add(new ParamSpec(ParamNames.sharedExpert(i, "gate_proj"), new long[] {fs, d}, std));
      specs.add(new ParamSpec(ParamNames.sharedExpert(i, "up_proj"), new long[] {fs, d}, std));
      specs.add(new ParamSpec(ParamNames.sharedExpert(i, "down_proj"), new long[] {d, fs}, residualStd));
      if (moe.sharedExpertGate()) {
        specs.add(new ParamSpec(ParamNames.sharedExpertGate(i), new long[] {1, d}, std));
      }
    }
    return specs;
  }

  /**
   * The parameters one pipeline stage holds: its layers, the embedding on the first stage, the final norm and LM head
   * on the last. With tied embeddings the last stage holds the embedding too (as its head); the two copies start
   * equal and stay equal because their gradients are summed before every update.
   */
  public static List<ParamSpec> stage(ModelConfig model, int firstLayer, int endLayer, boolean first, boolean last) {
    return stage(model, firstLayer, endLayer, first, last, e -> true);
  }

  /** A stage holding only the routed experts {@code owned} accepts (expert parallelism). */
  public static List<ParamSpec> stage(ModelConfig model, int firstLayer, int endLayer, boolean first, boolean last,
      IntPredicate owned) {
    List<ParamSpec> specs = new ArrayList<>();
    long d = model.hiddenSize();
    if (first || (last && model.tieEmbeddings())) {
      specs.add(new ParamSpec(ParamNames.EMBED, new long[] {model.vocabSize(), d}, model.initStd()));
    }
    for (int i = firstLayer; i < endLayer; i++) {
      for (ParamSpec spec : layer(model, i)) {
        if (!ParamNames.isRoutedExpert(spec.name()) || owned.test(ParamNames.expertIndex(spec.name()))) specs.add(spec);
      }
    }
    if (last) {
      specs.add(new ParamSpec(ParamNames.FINAL_NORM, new long[] {d}, 0));
      if (!model.tieEmbeddings()) {
        specs.add(new ParamSpec(ParamNames.LM_HEAD, new long[] {model.vocabSize(), d}, model.initStd()));
      }
    }
    return specs;
  }

  public static long parameterCount(ModelConfig model) {
    return of(model).stream().mapToLong(ParamSpec::numel).sum();
  }

  /**
   * Parameters one token passes through: all of them except, in each MoE layer, the E - k routed experts it is not
   * sent to. The measure a dense model and an MoE model are matched on.
   */
  public static long activeParameterCount(ModelConfig model) {
    MoeConfig moe = model.moe();
    long expert = 3L * model.hiddenSize() * moe.expertFfnSize();
    long idle = 0;
    for (int i = 0; i < model.numLayers(); i++) {
      if (moe.isMoeLayer(i)) idle += (moe.numExperts() - moe.topK()) * expert;
    }
    return parameterCount(model) - idle;
  }
}
