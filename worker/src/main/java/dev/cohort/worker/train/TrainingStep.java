package dev.cohort.worker.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import dev.cohort.config.TrainConfig;
import dev.cohort.device.OutOfDeviceMemory;
import dev.cohort.device.OutOfDeviceMemory.Phase;
import dev.cohort.metrics.ObjectiveFigures;
import dev.cohort.model.Autograd;
import dev.cohort.model.BiasBalancing;
import dev.cohort.model.ExpertLoad;
import dev.cohort.model.Loss;
import dev.cohort.model.Ops;
import dev.cohort.model.Parameters;
import dev.cohort.model.RecomputedLayers;
import dev.cohort.model.Transformer;
import dev.cohort.run.LossScaler;
import dev.cohort.run.LrSchedule;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One optimizer step of a worker holding the whole model: forward and backward over the step's micro-batches with
 * gradients accumulating, global-norm clipping, then AdamW. Each micro-batch runs in its own NDScope so native memory
 * returns to the same level after every step. The loss is multiplied by the loss scale before backward (1 in fp32);
 * a step whose gradients are not finite is skipped. With train.recompute = layers the decoder layers keep only their
 * inputs through the forward and run again at backward ({@link RecomputedLayers}), after the head's backward; with
 * experts only their routed experts do.
 */
public final class TrainingStep {
  private static final Logger log = LoggerFactory.getLogger(TrainingStep.class);
  /** How errors name the process holding the whole model. */
  private static final String WORKER = "the single-process trainer";

  private final TrainConfig config;
  private final Transformer model;
  private final Parameters params;
  private final AdamW optimizer;
  private final Objective objective;
  private final LrSchedule schedule;
  private final NDManager manager;
  private Phase phase = Phase.FORWARD; // where an out-of-memory error struck
  private LossScaler scaler;

  public TrainingStep(TrainConfig config, Transformer model, Parameters params, AdamW optimizer, BatchSource batches,
      NDManager manager) {
    this(config, model, params, optimizer, Objective.languageModelling(batches), manager);
  }

  public TrainingStep(TrainConfig config, Transformer model, Parameters params, AdamW optimizer, Objective objective,
      NDManager manager) {
    this.config = config;
    this.model = model;
    this.params = params;
    this.optimizer = optimizer;
    this.objective = objective;
    this.schedule = LrSchedule.of(config);
    this.manager = manager;
    this.scaler = LossScaler.initial(config);
  }

  /** The loss scale of the next step, for checkpoints. */
  public LossScaler scaler() {
    return scaler;
  }

  public void restore(LossScaler saved) {
    this.scaler = saved;
  }

  /** One optimizer step; the engine running out of memory ends in a DeviceError naming the phase. */
  public StepResult run(long step) {
    try {
      return runPhases(step);
    } catch (RuntimeException e) {
      throw OutOfDeviceMemory.named(e, WORKER, phase, manager.getDevice());
    }
  }

  private StepResult runPhases(long step) {
    Autograd.zeroGradients(params.arrays());
    int micro = config.gradAccumSteps();
    StepTotals totals = new StepTotals(micro);
    for (int m = 0; m < micro; m++) {
      try (NDScope scope = new NDScope()) {
        phase = Phase.FORWARD;
        Autograd.record(true);
        long start = System.nanoTime();
        NDArray tokens = objective.tokens(manager, step, m); // (B, T)
        NDArray embedded = model.embed(tokens); // (B, T, d)
        RecomputedLayers recomputed = model.recomputed(embedded, config);
        Transformer.Hidden hidden = recomputed != null ? recomputed.hidden() : model.layers(embedded, null);
        Objective.Scored scored = objective.loss(model, manager, hidden.hidden(), step, m);
        Loss loss = Loss.of(scored.loss(), hidden.moe(), model.config().moe());
        long forwardEnd = System.nanoTime();
        phase = Phase.BACKWARD;
        // Dividing by the micro-batch count makes the accumulated gradient that of the mean over the global batch;
        // by micro / scale rather than by micro and then times scale: exact for a power-of-two scale, one op.
        double divisor = micro / scaler.scale();
        Autograd.backward(loss.total().div(Ops.scalar(loss.total(), divisor)));
        if (recomputed != null) Autograd.backward(embedded, recomputed.backward(divisor));
        Autograd.record(false);
        totals.add(loss, scored.figures(), tokens.size(), forwardEnd - start, System.nanoTime() - forwardEnd);
      } finally {
        Autograd.record(false);
      }
    }
    phase = Phase.OPTIMIZER;
    long optimizerStart = System.nanoTime();
    double lr = schedule.at(step);
    // A non-finite gradient would turn every weight into NaN: skip the update, as Megatron and fp16 loss
    // scalers do, and let the caller report it.
    LossScaler.Decision decision = scaler.decide(globalGradNorm(), config);
    if (decision.skipped()) {
      log.warn("step {}: gradient norm is {} at loss scale {}; update skipped", step, decision.gradNorm(),
          decision.lossScale());
    } else {
      optimizer.step(lr, decision.gradScale());
      BiasBalancing.update(params, model.config(), totals.load.tokens());
    }
    scaler = decision.next();
    return totals.result(step, decision, lr,
        (System.nanoTime() - optimizerStart) / 1e6);
  }

  /**
   * sqrt(sum of squared gradient entries) over every parameter: one fused norm per tensor, then the norm of those
   * norms, so the host reads one number instead of one per tensor (as torch's clip_grad_norm_ stacks them).
   */
  private double globalGradNorm() {
    try (NDScope scope = new NDScope()) {
      NDList norms = new NDList();
      for (NDArray p : params.arrays()) norms.add(p.getGradient().norm());
      return scalar(NDArrays.stack(norms).norm());
    }
  }

  /** Host-side sums over a step's micro-batches. */
  private static final class StepTotals {
    private final int micro;
    private double loss;
    private double aux;
    private double z;
    private double[] figures = new double[0];
    private long tokens;
    private long forwardNs;
    private long backwardNs;
    private final ExpertLoad load = new ExpertLoad();

    StepTotals(int micro) {
      this.micro = micro;
    }

    void add(Loss l, double[] objectiveFigures, long fed, long forward, long backward) {
      loss += scalar(l.crossEntropy()) / micro;
      aux += scalar(l.balance()) / micro;
      z += scalar(l.z()) / micro;
      figures = ObjectiveFigures.add(figures, objectiveFigures);
      tokens += fed;
      forwardNs += forward;
      backwardNs += backward;
      load.add(l.moe());
    }

    StepResult result(long step, LossScaler.Decision decision, double lr, double optimizerMs) {
      double[] entropy = load.entropySums().clone();
      for (int layer = 0; layer < entropy.length; layer++) entropy[layer] /= micro;
      return new StepResult(step, loss, aux, z, decision.gradNorm(), lr, decision.skipped(), decision.lossScale(),
          load.tokens(), load.dropped(), entropy,
          tokens, figures, forwardNs / 1e6, backwardNs / 1e6, optimizerMs);
    }
  }

  static double scalar(NDArray array) {
    return array.toType(DataType.FLOAT64, false).getDouble();
  }
}
