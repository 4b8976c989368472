package dev.cohort.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;

/**
 * A layer's local experts under train.recompute = experts: the forward runs the expert MLPs without recording, so
 * their intermediate activations (the (M, ffn) gate and up projections and their product, per expert) are freed at
 * once, and keeps their input rows (M, d); the deferred backward runs them again from those rows, recording,
 * back-propagates the gradient that reached their outputs, and goes on from the rows into the layer's graph. The
 * gathering of the rows and the weighted combine stay in the layer's graph: they are cheap and hold no (M, ffn)
 * tensor.
 */
public final class RecomputedExperts implements ExpertCompute {
  private final LocalExperts experts;

  public RecomputedExperts(LocalExperts experts) {
    this.experts = experts;
  }

  @Override
  public Combined combine(NDArray x, DispatchPlan plan, NDArray weights) {
    NDArray sorted = Ops.rows(x, plan.sortedTokens()); // (M, d), in the layer's graph
    boolean recording = Autograd.recording();
    NDArray outputs; // (M, d)
    // DJL frees a tensor when its scope closes, graph or no graph: without a scope of their own the experts'
    // intermediates would live as long as the micro-batch.
    try (NDScope scope = new NDScope()) {
      Autograd.record(false);
      outputs = experts.apply(sorted, plan.keptPerExpert());
      NDScope.unregister(outputs);
    } finally {
      Autograd.record(recording);
    }
    NDScope.register(outputs);
    outputs.setRequiresGradient(true); // a leaf: the layer's backward stops here and leaves its gradient
    return new Combined(plan.combine(outputs, weights), () -> backward(sorted, outputs, plan.keptPerExpert()));
  }

  private void backward(NDArray sorted, NDArray outputs, int[] blockSizes) {
    NDArray input = sorted.stopGradient(); // shares the rows' storage, a leaf of the experts' graph alone
    input.setRequiresGradient(true);
    Autograd.record(true);
    NDArray recomputed = experts.apply(input, blockSizes); // (M, d), the same values as outputs
    Autograd.record(false);
    Autograd.backward(recomputed, outputs.getGradient());
    // The last pass through the layer's graph below the rows (its own backward kept it for this one).
    Autograd.backward(sorted, input.getGradient());
  }
}
