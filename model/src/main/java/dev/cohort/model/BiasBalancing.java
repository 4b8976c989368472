package dev.cohort.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import dev.cohort.config.ModelConfig;
import dev.cohort.config.MoeConfig;
import dev.cohort.model.layout.ParamNames;
import java.util.Arrays;

/**
 * DeepSeek-V3's auxiliary-loss-free load balancing: after every optimizer step each router's bias b_e moves by the
 * update rate towards balance, b_e -= rate * sign(load_e - mean load), down for an expert that received more than the
 * mean, up for one that received less. The loads are the step's global ones (every replica and micro-batch), so
 * every worker holding a router applies the same update and distributed runs stay equal to the single worker.
 */
public final class BiasBalancing {
  private BiasBalancing() {}

  /**
   * Moves the biases {@code params} holds (a whole model or a stage's slice).
   *
   * @param loads per MoE block in forward order over the whole model (a looped layer once per pass), tokens routed
   *     to each expert over the step's global batch: StepResult's or StepSummary's expert tokens
   */
  public static void update(Parameters params, ModelConfig model, int[][] loads) {
    MoeConfig moe = model.moe();
    if (!moe.biasBalanced()) return;
    int[][] byLayer = new int[model.numLayers()][];
    int block = 0;
    for (int layer : model.loop().schedule(model.numLayers())) {
      if (!moe.isMoeLayer(layer)) continue;
      if (byLayer[layer] == null) byLayer[layer] = new int[moe.numExperts()];
      // A looped layer's router serves every pass: its bias balances the passes' loads together.
      for (int e = 0; e < moe.numExperts(); e++) byLayer[layer][e] += loads[block][e];
      block++;
    }
    for (int layer = 0; layer < byLayer.length; layer++) {
      NDArray bias = params.buffers().get(ParamNames.routerBias(layer));
      if (bias != null) Ops.copyInto(bias, moved(bias, byLayer[layer], moe.biasUpdateRate()));
    }
  }

  /** The biases {@code params} holds, per MoE layer in layer order, for metrics. */
  public static double[][] values(Parameters params) {
    return params.buffers().entrySet().stream()
        .filter(e -> ParamNames.isRouterBias(e.getKey()))
        .map(e -> e.getValue().toType(DataType.FLOAT64, false).toDoubleArray())
        .toArray(double[][]::new);
  }

  /** The biases {@code params} holds, layer-major (each MoE layer's experts in turn), for reports. */
  public static double[] flat(Parameters params) {
    return Arrays.stream(values(params)).flatMapToDouble(java.util.Arrays::stream).toArray();
  }

  /** bias: (E) -> (E), one step towards the mean load. Host floats: every worker computes the identical values. */
  private static NDArray moved(NDArray bias, int[] load, double rate) {
    float[] b = bias.toType(DataType.FLOAT32, false).toFloatArray();
    long total = 0;
    for (int count : load) total += count;
    for (int e = 0; e < b.length; e++) {
      // load_e against mean = total / E, compared in integers so no rounding decides a tie.
      b[e] -= (float) (rate * Long.signum((long) load[e] * b.length - total));
    }
    return bias.getManager().create(b).toType(bias.getDataType(), false);
  }
}
