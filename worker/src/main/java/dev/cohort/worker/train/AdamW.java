package dev.cohort.worker.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import dev.cohort.config.TrainConfig;
import dev.cohort.model.Autograd;
import dev.cohort.model.Ops;
import dev.cohort.model.Parameters;
import dev.cohort.model.layout.ParamNames;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * Adam with decoupled weight decay (Loshchilov and Hutter, 2019), as torch.optim.AdamW computes it:
 * p <- p * (1 - lr * wd) - lr * m_hat / (sqrt(v_hat) + eps). Decay applies to matrices only.
 */
public final class AdamW {
  public static final String EXP_AVG = "exp_avg.";
  public static final String EXP_AVG_SQ = "exp_avg_sq.";

  private final TrainConfig config;
  private final Parameters params;
  private final Map<String, NDArray> expAvg = new LinkedHashMap<>();
  private final Map<String, NDArray> expAvgSq = new LinkedHashMap<>();
  private long steps;

  public AdamW(TrainConfig config, Parameters params) {
    this(config, params, params.names());
  }

  /**
   * An optimizer of some of {@code params} only: the others get no moments and are never updated here (sharded
   * optimizer state, parallel.zero >= 1, where another replica updates them).
   */
  public AdamW(TrainConfig config, Parameters params, Collection<String> updated) {
    this.config = config;
    this.params = params;
    for (String name : updated) {
      NDArray p = params.get(name);
      expAvg.put(name, p.zerosLike());
      expAvgSq.put(name, p.zerosLike());
    }
  }

  /**
   * One update of every parameter from its accumulated gradient. The gradients are used as scratch space and hold
   * garbage afterwards: they are zeroed before the next step's backward anyway.
   *
   * @param gradScale multiplies every gradient first (global-norm clipping folds in here)
   */
  public void step(double lr, double gradScale) {
    steps++;
    boolean recording = Autograd.recording();
    Autograd.record(false);
    try (NDScope scope = new NDScope()) {
      Coefficients c = coefficients(params.arrays().iterator().next(), lr, gradScale);
      for (String name : expAvg.keySet()) {
        NDArray p = params.get(name);
        update(p, p.getGradient(), expAvg.get(name), expAvgSq.get(name), ParamNames.isDecayed(name) ? c.decay() : null,
            c);
      }
    } finally {
      Autograd.record(recording);
    }
  }

  /** The step's scalars as tensors of the parameters' dtype, made once per step (never Number overloads). */
  private record Coefficients(NDArray beta1, NDArray beta2, NDArray firstMoment, NDArray squareToSecond, NDArray eps,
      NDArray lr, NDArray decay) {}

  /**
   * torch's p -= lr / bc1 * m / (sqrt(v / bc2) + eps) is p -= lrc * m / (sqrt(v) + epsc) with lrc = lr * sqrt(bc2) /
   * bc1 and epsc = eps * sqrt(bc2); the scaled gradient g' = (1 - beta1) * gradScale * g feeds m directly, and
   * g'^2 * (1 - beta2) / (1 - beta1)^2 = (1 - beta2) * (gradScale * g)^2 feeds v.
   */
  private Coefficients coefficients(NDArray like, double lr, double gradScale) {
    double rootBias2 = Math.sqrt(1 - Math.pow(config.beta2(), steps));
    double bias1 = 1 - Math.pow(config.beta1(), steps);
    double oneMinusBeta1 = 1 - config.beta1();
    return new Coefficients(Ops.scalar(like, config.beta1()), Ops.scalar(like, config.beta2()),
        Ops.scalar(like, oneMinusBeta1 * gradScale),
        Ops.scalar(like, (1 - config.beta2()) / (oneMinusBeta1 * oneMinusBeta1)),
        Ops.scalar(like, config.eps() * rootBias2), Ops.scalar(like, lr * rootBias2 / bias1),
        Ops.scalar(like, 1 - lr * config.weightDecay()));
  }

  /**
   * Thirteen element-wise passes per tensor, two of them into temporaries. torch's single-tensor AdamW makes nine (DJL
   * exposes no addcmul_ or addcdiv_); DJL's native adamUpdate ran about forty ops (scalar conversions, copies) and
   * took half as long again.
   *
   * @param decay 1 - lr * wd, or null for a parameter without weight decay
   */
  private static void update(NDArray p, NDArray g, NDArray m, NDArray v, NDArray decay, Coefficients c) {
    g.muli(c.firstMoment()); // g' = (1 - beta1) * gradScale * g
    m.muli(c.beta1()).addi(g);
    g.muli(g).muli(c.squareToSecond()); // (1 - beta2) * (gradScale * g)^2
    v.muli(c.beta2()).addi(g);
    try (NDArray denominator = v.sqrt().addi(c.eps()); NDArray delta = m.div(denominator).muli(c.lr())) {
      if (decay != null) p.muli(decay);
      p.subi(delta);
    }
  }

  /** Optimizer steps taken so far (drives bias correction; saved in checkpoints). */
  public long steps() {
    return steps;
  }

  /**
   * Sets the step count and every moment this optimizer keeps (under parallel.zero, only those of the parameters it
   * updates).
   *
   * @param moments the saved moment of a checkpoint name (exp_avg.NAME, exp_avg_sq.NAME), or null when there is
   *     none; called once per moment, and what it makes is closed as soon as it is copied, so a restore holds one
   *     loaded moment at a time rather than a second copy of the optimizer state
   */
  public void restore(long steps, Function<String, NDArray> moments) {
    this.steps = steps;
    for (String name : expAvg.keySet()) {
      copyInto(expAvg.get(name), moments, EXP_AVG + name);
      copyInto(expAvgSq.get(name), moments, EXP_AVG_SQ + name);
    }
  }

  private static void copyInto(NDArray target, Function<String, NDArray> source, String name) {
    try (NDScope scope = new NDScope()) {
      NDArray value = source.apply(name);
      if (value == null) throw new IllegalArgumentException("optimizer state has no tensor '" + name + "'");
      Ops.copyInto(target, value.toType(target.getDataType(), false));
    }
  }

  /** The moments by checkpoint name: exp_avg.NAME and exp_avg_sq.NAME, as torch.optim.AdamW's state names them. */
  public Map<String, NDArray> moments() {
    Map<String, NDArray> all = new LinkedHashMap<>();
    expAvg.forEach((name, array) -> all.put(EXP_AVG + name, array));
    expAvgSq.forEach((name, array) -> all.put(EXP_AVG_SQ + name, array));
    return all;
  }
}
