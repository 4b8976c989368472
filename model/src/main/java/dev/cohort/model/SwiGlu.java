package dev.cohort.model;

import ai.djl.ndarray.NDArray;
import dev.cohort.model.layout.ParamNames;

/**
 * The SwiGLU feed-forward (Shazeer, 2020): down(silu(gate(x)) * up(x)). The dense MLP, each routed expert (Mixtral's
 * w1 = gate, w3 = up, w2 = down) and the shared experts are all this one shape.
 */
public final class SwiGlu {
  private final NDArray gate; // (f, d)
  private final NDArray up; // (f, d)
  private final NDArray down; // (d, f)

  public SwiGlu(NDArray gate, NDArray up, NDArray down) {
    this.gate = gate;
    this.up = up;
    this.down = down;
  }

  public static SwiGlu dense(Parameters params, int layer) {
    return new SwiGlu(params.get(ParamNames.mlp(layer, "gate_proj")), params.get(ParamNames.mlp(layer, "up_proj")),
        params.get(ParamNames.mlp(layer, "down_proj")));
  }

  public static SwiGlu expert(Parameters params, int layer, int expert) {
    return new SwiGlu(params.get(ParamNames.expert(layer, expert, "w1")),
        params.get(ParamNames.expert(layer, expert, "w3")), params.get(ParamNames.expert(layer, expert, "w2")));
  }

  public static SwiGlu shared(Parameters params, int layer) {
    return new SwiGlu(params.get(ParamNames.sharedExpert(layer, "gate_proj")),
        params.get(ParamNames.sharedExpert(layer, "up_proj")), params.get(ParamNames.sharedExpert(layer, "down_proj")));
  }

  /** x: (..., d) -> (..., d) */
  public NDArray forward(NDArray x) {
    return Ops.linear(Ops.silu(Ops.linear(x, gate)).mul(Ops.linear(x, up)), down);
  }
}
