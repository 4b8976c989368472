package dev.cohort.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import dev.cohort.config.MoeConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * A slice's decoder layers under activation recomputation, each layer back-propagated on its own, top layer first,
 * from the gradient arriving at its output together with the layer's own router losses: exactly the share of dLoss a
 * recorded forward gives it. Two modes, as train.recompute:
 * <ul>
 *   <li>{@code layers}, as torch.utils.checkpoint wraps each block: the forward records no graph and keeps, per layer,
 *       only its input (B, T, d) and, in an MoE layer, the experts its router chose ((N, k) int64); the backward runs
 *       each layer again, recording, from that input with that routing (no second top-k). Each layer's
 *       intermediates are freed as soon as the layer is done, in the forward and again in the backward: what stays
 *       between them is the inputs, the routings and the output.
 *   <li>{@code experts}: the forward records each layer's graph except its experts', which the layer's
 *       {@link ExpertCompute} runs without one and recomputes in its deferred backward ({@link RecomputedExperts},
 *       and the owners under expert parallelism). Each layer's input is a leaf of its own graph, so the deferred
 *       backward, which goes on from the experts' inputs, runs through this layer only.
 * </ul>
 * Experts whose backward is deferred run it right after their layer's. In a recomputed layer they may keep what the
 * first forward computed instead of computing it again ({@link ExpertCompute#replay}): ExpertParallel keeps the
 * exchanged rows, so the all-to-all runs once.
 */
public final class RecomputedLayers {
  private final List<DecoderLayer> layers;
  private final MoeConfig moeConfig;
  private final List<NDArray> inputs; // per layer: the input it runs again from, or the leaf of its recorded graph
  private final List<NDArray> routings; // layers mode: (N, k) int64 per MoE layer, null for a dense layer
  private final List<DecoderLayer.Output> recorded; // experts mode: each layer's output with its graph
  private final Transformer.Hidden hidden;

  private RecomputedLayers(List<DecoderLayer> layers, MoeConfig moeConfig, List<NDArray> inputs,
      List<NDArray> routings, List<DecoderLayer.Output> recorded, Transformer.Hidden hidden) {
    this.layers = layers;
    this.moeConfig = moeConfig;
    this.inputs = inputs;
    this.routings = routings;
    this.recorded = recorded;
    this.hidden = hidden;
  }

  /** x: (B, T, d) -> the layers' output, computed without a graph; the calling thread's grad mode is restored. */
  static RecomputedLayers forward(List<DecoderLayer> layers, MoeConfig moeConfig, NDArray x) {
    List<NDArray> inputs = new ArrayList<>();
    List<NDArray> routings = new ArrayList<>();
    List<MoeOutput> moe = new ArrayList<>();
    boolean wasRecording = Autograd.recording();
    Autograd.record(false);
    try {
      for (DecoderLayer layer : layers) {
        inputs.add(x);
        DecoderLayer.Output out;
        // DJL frees a tensor when its scope closes, graph or no graph: the layer's intermediates go here, and only
        // its output, its router's choices and loss values (for the loss's value and metrics) leave it.
        try (NDScope scope = new NDScope()) {
          out = layer.forward(x, null);
          outliveScope(out);
        }
        joinCallersScope(out);
        routings.add(out.moe().map(MoeOutput::experts).orElse(null));
        out.moe().ifPresent(moe::add);
        x = out.hidden(); // (B, T, d)
      }
    } finally {
      Autograd.record(wasRecording);
    }
    return new RecomputedLayers(layers, moeConfig, inputs, routings, null, new Transformer.Hidden(leaf(x), moe));
  }

  /**
   * x: (B, T, d) -> the layers' output, each layer recorded (the caller records) from a leaf of its own, its experts
   * built to recompute themselves.
   */
  static RecomputedLayers forwardWithRecomputedExperts(List<DecoderLayer> layers, MoeConfig moeConfig, NDArray x) {
    List<NDArray> inputs = new ArrayList<>();
    List<DecoderLayer.Output> recorded = new ArrayList<>();
    List<MoeOutput> moe = new ArrayList<>();
    for (DecoderLayer layer : layers) {
      NDArray input = leaf(x);
      DecoderLayer.Output out = layer.forward(input, null);
      inputs.add(input);
      recorded.add(out);
      // The loss takes the router losses' values; their gradients come from this layer's own backward.
      out.moe().ifPresent(m -> moe.add(m.detached()));
      x = out.hidden(); // (B, T, d)
    }
    return new RecomputedLayers(layers, moeConfig, inputs, null, recorded, new Transformer.Hidden(leaf(x), moe));
  }

  /** x's values as a leaf requiring a gradient: what the layers above (or the loss) send back arrives there. */
  private static NDArray leaf(NDArray x) {
    NDArray leaf = x.stopGradient(); // shares x's storage
    leaf.setRequiresGradient(true);
    return leaf;
  }

  /**
   * The output, a leaf requiring a gradient, and the MoE outputs whose router losses carry values but no graph
   * (their gradients come from {@link #backward}).
   */
  public Transformer.Hidden hidden() {
    return hidden;
  }

  /**
   * Backpropagates through the layers from the gradient that reached {@link #hidden()}'s output; gradients
   * accumulate into the layers' parameters.
   *
   * @param lossDivisor what the objective is divided by (the micro-batches of a step over the loss scale): router
   *     losses take the same
   * @return dLoss/d(input of the first layer), (B, T, d)
   */
  public NDArray backward(double lossDivisor) {
    NDArray gradient = hidden.hidden().getGradient(); // (B, T, d)
    for (int i = layers.size() - 1; i >= 0; i--) {
      NDArray inputGradient;
      try (NDScope scope = new NDScope()) { // what this layer's backward makes lives for it only
        NDArray input;
        DecoderLayer.Output out;
        Autograd.record(true);
        if (recorded == null) {
          input = leaf(inputs.get(i));
          out = layers.get(i).forward(input, null, routings.get(i));
        } else {
          input = inputs.get(i);
          out = recorded.get(i);
        }
        inputGradient = layerBackward(input, out, gradient, lossDivisor);
        NDScope.unregister(inputGradient);
      }
      NDScope.register(inputGradient);
      gradient.close();
      // The output of layer i - 1, kept by us in layers mode; layer 0's input is the caller's.
      if (recorded == null && i > 0) inputs.get(i).close();
      gradient = inputGradient;
    }
    return gradient;
  }

  /** One layer's backward, begun with recording on: gradient is dLoss/d(out), the result dLoss/d(input). */
  private NDArray layerBackward(NDArray input, DecoderLayer.Output out, NDArray gradient, double lossDivisor) {
    // d/d(params) of <output, dL/d(output)> is this layer's share of dL through its output.
    NDArray surrogate = out.hidden().mul(gradient).sum();
    if (out.moe().isPresent()) surrogate = surrogate.add(routerLosses(out.moe().get(), lossDivisor));
    Autograd.record(false);
    Runnable expertBackward = out.moe().map(MoeOutput::expertBackward).orElse(null);
    // A deferred expert backward goes on from the experts' inputs through the graph below them again: keep it.
    Autograd.backward(surrogate, expertBackward != null);
    if (expertBackward != null) expertBackward.run();
    return input.getGradient();
  }

  /** Takes a layer's output, routing and router loss values out of the layer's own scope, ... */
  private static void outliveScope(DecoderLayer.Output out) {
    NDScope.unregister(out.hidden());
    out.moe().ifPresent(moe -> NDScope.unregister(moe.balanceLoss(), moe.seqBalanceLoss(), moe.zLoss(),
        moe.experts()));
  }

  /** ... and into the caller's (the micro-batch's), which frees them with the rest. */
  private static void joinCallersScope(DecoderLayer.Output out) {
    NDScope.register(out.hidden());
    out.moe().ifPresent(moe -> {
      NDScope.register(moe.balanceLoss());
      NDScope.register(moe.seqBalanceLoss());
      NDScope.register(moe.zLoss());
      NDScope.register(moe.experts());
    });
  }

  /** One layer's weighted router losses over the divisor, the terms Loss.of adds for it. */
  private NDArray routerLosses(MoeOutput moe, double lossDivisor) {
    NDArray weighted = Loss.routerTerms(moe, moeConfig);
    return weighted.div(Ops.scalar(weighted, lossDivisor));
  }
}
