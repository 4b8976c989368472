package dev.cohort.model;

import dev.cohort.config.ModelConfig;
import dev.cohort.model.layout.ModelLayout;
import dev.cohort.model.layout.ParamNames;
import dev.cohort.model.layout.ParamSpec;
import dev.cohort.tensor.DType;
import dev.cohort.tensor.HostTensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds an MoE model from a dense one (sparse upcycling, Komatsuzaki et al., 2023). Attention, norms and embeddings
 * are copied; in each MoE layer of the target the dense SwiGLU becomes the experts and a freshly initialised router
 * (seeded) is added:
 *
 * <ul>
 *   <li>{@link Method#COPY}: every expert is the dense MLP. With top-k weights renormalised to sum to 1, the block
 *       computes sum_k w_k MLP(x) = MLP(x): the upcycled model starts with the dense model's logits, whatever the
 *       router.
 *   <li>{@link Method#SPLIT} (granular upcycling): the F hidden neurons are cut into E experts of F / E neurons, and
 *       each expert's down projection is scaled by E. With renormalised weights the block is an unbiased estimate of
 *       the dense MLP under uniform routing; with top-k = E and a uniform router (router std 0, every weight 1/E) it
 *       is exactly sum_e (1/E) E piece_e(x) = MLP(x).
 * </ul>
 */
public final class Upcycling {
  public enum Method { COPY, SPLIT }

  private Upcycling() {}

  /**
   * The MoE model's settings ("model.key = value") for a dense model; top-k weights are always renormalised (what
   * both methods' equalities rest on).
   */
  public static List<String> moeSettings(ModelConfig dense, Method method, int experts, int topK) {
    requireDense(dense);
    if (experts < 1) throw new IllegalArgumentException("upcycling needs at least one expert, got " + experts);
    int f = dense.intermediateSize();
    if (method == Method.SPLIT && f % experts != 0) {
      throw new IllegalArgumentException("split upcycling cuts intermediate-size=" + f + " into " + experts
          + " experts of equal width: " + experts + " must divide it");
    }
    int expertFfn = method == Method.COPY ? f : f / experts;
    return List.of("model.moe.num-experts = " + experts, "model.moe.top-k = " + topK,
        "model.moe.expert-ffn-size = " + expertFfn, "model.moe.num-shared-experts = 0",
        "model.moe.normalize-top-k = true");
  }

  /**
   * @param tensors the dense model's parameters (F32 or F64), by name
   * @param routerStd standard deviation of the routers' normal init; 0 gives zero routers (uniform routing)
   * @return the MoE model's parameters, same dtype, by name
   */
  public static Map<String, HostTensor> upcycle(ModelConfig dense, Map<String, HostTensor> tensors, ModelConfig moe,
      Method method, double routerStd, long seed) {
    requireDense(dense);
    Map<String, HostTensor> out = new LinkedHashMap<>();
    for (ParamSpec spec : ModelLayout.of(moe)) {
      if (tensors.containsKey(spec.name())) {
        out.put(spec.name(), tensors.get(spec.name()));
      }
    }
    DType dtype = tensors.get(ParamNames.EMBED).dtype();
    for (int layer = 0; layer < moe.numLayers(); layer++) {
      if (!moe.moe().isMoeLayer(layer)) continue;
      double[] gate = values(tensors, ParamNames.mlp(layer, "gate_proj")); // (F, d)
      double[] up = values(tensors, ParamNames.mlp(layer, "up_proj")); // (F, d)
      double[] down = values(tensors, ParamNames.mlp(layer, "down_proj")); // (d, F)
      experts(layer, dense, moe, method, gate, up, down, dtype, out);
      ParamSpec router = new ParamSpec(ParamNames.router(layer),
          new long[] {moe.moe().numExperts(), moe.hiddenSize()}, routerStd);
      double[] routerValues = routerStd == 0 ? new double[Math.toIntExact(router.numel())]
          : Parameters.initialValues(router, seed);
      out.put(router.name(), tensor(dtype, router.shape(), routerValues));
    }
    for (ParamSpec spec : ModelLayout.of(moe)) {
      if (!out.containsKey(spec.name())) throw new IllegalStateException("upcycling left out " + spec.name());
    }
    return out;
  }

  private static void experts(int layer, ModelConfig dense, ModelConfig moe, Method method, double[] gate,
      double[] up, double[] down, DType dtype, Map<String, HostTensor> out) {
    int d = dense.hiddenSize();
    int f = dense.intermediateSize();
    int experts = moe.moe().numExperts();
    int width = moe.moe().expertFfnSize(); // F (copy) or F / E (split)
    double scale = method == Method.COPY ? 1 : experts;
    for (int e = 0; e < experts; e++) {
      int first = method == Method.COPY ? 0 : e * width;
      double[] w1 = new double[width * d];
      double[] w3 = new double[width * d];
      double[] w2 = new double[d * width];
      System.arraycopy(gate, first * d, w1, 0, width * d); // rows [first, first + width) of (F, d)
      System.arraycopy(up, first * d, w3, 0, width * d);
      for (int row = 0; row < d; row++) { // columns [first, first + width) of (d, F)
        for (int j = 0; j < width; j++) w2[row * width + j] = down[row * f + first + j] * scale;
      }
      out.put(ParamNames.expert(layer, e, "w1"), tensor(dtype, new long[] {width, d}, w1));
      out.put(ParamNames.expert(layer, e, "w3"), tensor(dtype, new long[] {width, d}, w3));
      out.put(ParamNames.expert(layer, e, "w2"), tensor(dtype, new long[] {d, width}, w2));
    }
  }

  private static void requireDense(ModelConfig dense) {
    if (dense.moe().numExperts() != 0) {
      throw new IllegalArgumentException("upcycling starts from a dense model (moe.num-experts = 0), this one has "
          + dense.moe().numExperts() + " experts");
    }
  }

  private static double[] values(Map<String, HostTensor> tensors, String name) {
    HostTensor t = tensors.get(name);
    if (t == null) throw new IllegalArgumentException("the dense checkpoint has no tensor '" + name + "'");
    if (t.dtype() == DType.F64) return t.toDoubles();
    float[] floats = t.toFloats();
    double[] out = new double[floats.length];
    for (int i = 0; i < floats.length; i++) out[i] = floats[i];
    return out;
  }

  private static HostTensor tensor(DType dtype, long[] shape, double[] values) {
    if (dtype == DType.F64) return HostTensor.ofDoubles(shape, values);
    float[] floats = new float[values.length];
    for (int i = 0; i < values.length; i++) floats[i] = (float) values[i];
    return HostTensor.ofFloats(shape, floats);
  }
}
