package dev.cohort.worker.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import dev.cohort.config.TrainConfig;
import dev.cohort.model.Autograd;
import dev.cohort.model.ParamNames;
import dev.cohort.model.Ops;
import dev.cohort.model.Parameters;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Adam with decoupled weight decay (Loshchilov and Hutter, 2019), as torch.optim.AdamW computes it:
 * p <- p * (1 - lr * wd) - lr * m_hat / (sqrt(v_hat) + eps). Decay applies to matrices only.
 */
public final class AdamW {
  public static final String EXP_AVG = "exp_avg.";
  public static final String EXP_AVG_SQ = "exp_avg_sq.";
  /** Element-wise gradient clipping of the native update: off (clipping is by global norm, via gradScale). */
  private static final float NO_CLIPPING = -1f;

  private final TrainConfig config;
  private final Parameters params;
  private final Map<String, NDArray> expAvg = new LinkedHashMap<>();
  private final Map<String, NDArray> expAvgSq = new LinkedHashMap<>();
  private long steps;

  public AdamW(TrainConfig config, Parameters params) {
    this.config = config;
    this.params = params;
    for (String name : params.names()) {
      NDArray p = params.get(name);
      expAvg.put(name, p.zerosLike());
      expAvgSq.put(name, p.zerosLike());
    }
  }

  /**
   * One update of every parameter from its accumulated gradient.
   *
   * @param gradScale multiplies every gradient first (global-norm clipping folds in here)
   */
  public void step(double lr, double gradScale) {
    steps++;
    double bias1 = 1 - Math.pow(config.beta1(), steps);
    double rootBias2 = Math.sqrt(1 - Math.pow(config.beta2(), steps));
    // DJL's fused native update computes p -= lrc * m / (sqrt(v) + epsc) after the decay p *= 1 - lr * wd. With
    // lrc = lr * sqrt(bc2) / bc1 and epsc = eps * sqrt(bc2) that is exactly torch's
    // p -= lr / bc1 * m / (sqrt(v / bc2) + eps), in one native call per tensor instead of a dozen ops.
    float correctedLr = (float) (lr * rootBias2 / bias1);
    float correctedEps = (float) (config.eps() * rootBias2);
    boolean recording = Autograd.recording();
    Autograd.record(false);
    try (NDScope scope = new NDScope()) {
      for (String name : params.names()) {
        PtNDArray p = (PtNDArray) params.get(name);
        float decay = ParamNames.isDecayed(name) ? (float) config.weightDecay() : 0f;
        JniUtils.adamUpdate(p, (PtNDArray) p.getGradient(), (PtNDArray) expAvg.get(name),
            (PtNDArray) expAvgSq.get(name), (float) lr, correctedLr, decay, (float) gradScale, NO_CLIPPING,
            (float) config.beta1(), (float) config.beta2(), correctedEps, true);
      }
    } finally {
      Autograd.record(recording);
    }
  }

  /** Optimizer steps taken so far (drives bias correction; saved in checkpoints). */
  public long steps() {
    return steps;
  }

  public void restore(long steps, Map<String, NDArray> moments) {
    this.steps = steps;
    for (String name : params.names()) {
      copyInto(expAvg.get(name), moments, EXP_AVG + name);
      copyInto(expAvgSq.get(name), moments, EXP_AVG_SQ + name);
    }
  }

  private static void copyInto(NDArray target, Map<String, NDArray> source, String name) {
    NDArray value = source.get(name);
    if (value == null) throw new IllegalArgumentException("optimizer state has no tensor '" + name + "'");
    Ops.copyInto(target, value.toType(target.getDataType(), false));
  }

  /** The moments by checkpoint name: exp_avg.NAME and exp_avg_sq.NAME, as torch.optim.AdamW's state names them. */
  public Map<String, NDArray> moments() {
    Map<String, NDArray> all = new LinkedHashMap<>();
    expAvg.forEach((name, array) -> all.put(EXP_AVG + name, array));
    expAvgSq.forEach((name, array) -> all.put(EXP_AVG_SQ + name, array));
    return all;
  }
}
