package dev.cohort.model;

import ai.djl.ndarray.NDArray;
import dev.cohort.model.layout.ParamNames;

/**
 * The SwiGLU feed-forward (Shazeer, 2020): down(silu(gate(x)) * up(x)). The dense MLP, each routed expert (Mixtral's
 * w1 = gate, w3 = up, w2 = down) and the shared experts are all this one shape.
 */
public final class SwiGlu implements FeedForward {
  private final NDArray gate; // (f, d)
  private final NDArray up; // (f, d)
  private final NDArray down; // (d, f)
  private final Autocast autocast;

  public SwiGlu(NDArray gate, NDArray up, NDArray down, Autocast autocast) {
    this.gate = gate;
    this.up = up;
    this.down = down;
    this.autocast = autocast;
  }

  public static SwiGlu dense(Parameters params, int layer, Autocast autocast) {
    return new SwiGlu(params.get(ParamNames.mlp(layer, "gate_proj")), params.get(ParamNames.mlp(layer, "up_proj")),
        params.get(ParamNames.mlp(layer, "down_proj")), autocast);
  }

  public static SwiGlu expert(Parameters params, int layer, int expert, Autocast autocast) {
    return new SwiGlu(params.get(ParamNames.expert(layer, expert, "w1")),
        params.get(ParamNames.expert(layer, expert, "w3")), params.get(ParamNames.expert(layer, expert, "w2")),
        autocast);
  }

  public static SwiGlu shared(Parameters params, int layer, Autocast autocast) {
    return new SwiGlu(params.get(ParamNames.sharedExpert(layer, "gate_proj")),
        params.get(ParamNames.sharedExpert(layer, "up_proj")), params.get(ParamNames.sharedExpert(layer, "down_proj")),
        autocast);
  }

  /** x: (..., d) -> (..., d), in the autocast's compute dtype */
  @Override
  public NDArray forward(NDArray x) {
    NDArray hidden = Ops.silu(autocast.linear(x, gate)).mul(autocast.linear(x, up)); // (..., f)
    return autocast.linear(hidden, down);
  }
}
