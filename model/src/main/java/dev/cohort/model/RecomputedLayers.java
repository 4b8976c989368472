package dev.cohort.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import dev.cohort.config.MoeConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * A slice's decoder layers under activation recomputation (train.recompute = layers), as torch.utils.checkpoint
 * wraps each block: the forward records no graph and keeps, per layer, only its input (B, T, d) and, in an MoE layer,
 * the experts its router chose ((N, k) int64); {@link #backward} runs each layer again, recording, from that
 * input with that routing (no second top-k), top layer first, and back-propagates the gradient arriving at the
 * layer's output together with the layer's own router losses, exactly the share of dLoss a recorded forward gives it.
 * Each layer's intermediates are freed as soon as the layer is done, in the forward and again in the backward: what
 * stays between them is the inputs, the routings and the output. Experts whose backward is deferred (expert
 * parallelism) run it right after the layer's, and may keep what the first forward computed instead of computing it
 * again ({@link ExpertCompute#replay}): ExpertParallel keeps the exchanged rows, so the all-to-all runs once.
 */
public final class RecomputedLayers {
  private final List<DecoderLayer> layers;
  private final MoeConfig moeConfig;
  private final List<NDArray> inputs;
  private final List<NDArray> routings; // (N, k) int64 per MoE layer, null for a dense layer
  private final Transformer.Hidden hidden;

  private RecomputedLayers(List<DecoderLayer> layers, MoeConfig moeConfig, List<NDArray> inputs,
      List<NDArray> routings, Transformer.Hidden hidden) {
    this.layers = layers;
    this.moeConfig = moeConfig;
    this.inputs = inputs;
    this.routings = routings;
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
    x.setRequiresGradient(true); // a leaf: what the loss (or the next stage) sends back arrives here
    return new RecomputedLayers(layers, moeConfig, inputs, routings, new Transformer.Hidden(x, moe));
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
      try (NDScope scope = new NDScope()) { // the recomputed graph lives for this layer's backward only
        NDArray input = inputs.get(i).stopGradient(); // shares the kept input's storage, a leaf of this layer alone
        input.setRequiresGradient(true);
        Autograd.record(true);
        DecoderLayer.Output out = layers.get(i).forward(input, null, routings.get(i));
        // d/d(params) of <output, dL/d(output)> is this layer's share of dL through its output.
        NDArray surrogate = out.hidden().mul(gradient).sum();
        if (out.moe().isPresent()) surrogate = surrogate.add(routerLosses(out.moe().get(), lossDivisor));
        Autograd.record(false);
        Runnable expertBackward = out.moe().map(MoeOutput::expertBackward).orElse(null);
        // A deferred expert backward goes on from the experts' inputs through the graph below them again: keep it.
        Autograd.backward(surrogate, expertBackward != null);
        if (expertBackward != null) expertBackward.run();
        inputGradient = input.getGradient();
        NDScope.unregister(inputGradient);
      }
      NDScope.register(inputGradient);
      gradient.close();
      if (i > 0) inputs.get(i).close(); // the output of layer i - 1, kept by us; layer 0's input is the caller's
      gradient = inputGradient;
    }
    return gradient;
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
