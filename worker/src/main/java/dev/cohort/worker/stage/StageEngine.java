package dev.cohort.worker.stage;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import dev.cohort.checkpoint.CheckpointTensors;
import dev.cohort.config.CohortConfig;
import dev.cohort.config.ModelConfig;
import dev.cohort.device.DeviceMemory;
import dev.cohort.device.Devices;
import dev.cohort.device.OutOfDeviceMemory;
import dev.cohort.device.OutOfDeviceMemory.Phase;
import dev.cohort.model.Autocast;
import dev.cohort.model.Autograd;
import dev.cohort.model.BiasBalancing;
import dev.cohort.model.HostArrays;
import dev.cohort.model.LocalExperts;
import dev.cohort.model.Loss;
import dev.cohort.model.MoeOutput;
import dev.cohort.model.Ops;
import dev.cohort.model.Parameters;
import dev.cohort.model.SwiGlu;
import dev.cohort.model.RecomputedLayers;
import dev.cohort.model.Transformer;
import dev.cohort.model.layout.ModelLayout;
import dev.cohort.placement.Placement;
import dev.cohort.placement.Role;
import dev.cohort.placement.StageSpec;
import dev.cohort.placement.WorkerId;
import dev.cohort.protocol.CoordinatorProtocol.StepReport;
import dev.cohort.wire.TensorPayload;
import dev.cohort.worker.align.Objectives;
import dev.cohort.worker.collective.Collective;
import dev.cohort.worker.collective.Exchange;
import dev.cohort.worker.collective.TensorKey;
import dev.cohort.worker.pipeline.PipelineSchedule.Action;
import dev.cohort.worker.pipeline.PipelineSchedule;
import dev.cohort.worker.train.AdamW;
import dev.cohort.worker.train.InitFrom;
import dev.cohort.worker.train.Objective;
import dev.cohort.worker.train.TrainerCheckpoints;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One worker's part of a step under pipeline and data parallelism: the forwards and backwards of its replica's
 * micro-batches in the configured schedule, activations and their gradients exchanged with the neighbouring stages,
 * then the gradients summed over the data-parallel replicas (and between the two copies of a tied embedding). The
 * first stage embeds the recipe objective's tokens and the last scores its loss (pretraining, SFT or DPO). The
 * losses and gradients equal the single-worker step's: replica r runs global micro-batches
 * Placement.microBatchesOf(r) and every micro-batch's loss is divided by the global micro-batch count.
 * Everything runs on the caller's thread, which must be the same for every call (PyTorch's grad mode is per thread).
 */
public final class StageEngine implements AutoCloseable {
  static final String ACTIVATION = "act";
  static final String GRADIENT = "grad";

  private final CohortConfig config;
  private final Placement placement;
  private final Role role;
  private final StageSpec stage;
  private final Exchange exchange;
  private final Duration timeout;
  private final NDManager manager;
  private final Parameters params;
  private final Transformer model;
  private final ZeroSharding sharding;
  private final AdamW optimizer;
  private final Objective objective; // null on a stage with neither the embedding nor the head
  private final List<Integer> microBatches;
  private final List<Action> schedule;
  private final MicroBatchCursor cursor = new MicroBatchCursor();
  private final List<ExpertParallel> expertParallel = new ArrayList<>(); // by layer, when ep > 1
  private Phase phase = Phase.FORWARD; // where an out-of-memory error struck

  public StageEngine(CohortConfig config, Placement placement, Exchange exchange, Collective collective,
      Duration timeout) {
    this.config = config;
    this.placement = placement;
    this.role = placement.role(exchange.self());
    this.stage = placement.stage(role.stage());
    this.exchange = exchange;
    this.timeout = timeout;
    ModelConfig model = config.model();
    boolean last = role.stage() == placement.lastStage();
    this.manager = Devices.manager(config.train());
    // A fresh engine starts from the run's starting weights; a Restore (resume, recovery) overwrites them.
    this.params = InitFrom.startingWeights(config,
        ModelLayout.stage(model, stage.firstLayer(), stage.endLayer(), stage.hasEmbedding(), last,
            expert -> placement.ep() == 1 || role.ownsExpert(expert)),
        manager, DataType.FLOAT32);
    params.requireGradients();
    this.model = new Transformer(model, params, manager,
        new Transformer.Slice(stage.firstLayer(), stage.endLayer(), stage.hasEmbedding(), last),
        placement.ep() == 1 ? Transformer.localExperts(params, model, config.train())
            : layer -> expertParallel(layer, timeout), Autocast.of(config.train()));
    this.sharding = new ZeroSharding(config, placement, exchange.self(), params, collective, manager);
    this.optimizer = new AdamW(config.train(), params, sharding.updated());
    this.objective = stage.hasEmbedding() || last
        ? Objectives.of(config, last ? scratch -> wholeModel(config, scratch) : null, manager) : null;
    this.microBatches = Placement.microBatchesOf(role.replica(), placement.dp(), config.train().gradAccumSteps());
    this.schedule = PipelineSchedule.of(placement.pp() == 1 ? PipelineSchedule.GPIPE : config.parallel().schedule(),
        role.stage(), placement.pp(), microBatches.size());
  }

  /**
   * The whole model with the run's starting weights, which DPO's reference needs on the last stage to score the pairs
   * once. Built in {@code scratch} and freed after: for that while the worker holds it beside its stage, affordable
   * at the model sizes Cohort trains (at most 500M parameters, 2 GB in float32).
   */
  private static Transformer wholeModel(CohortConfig config, NDManager scratch) {
    return new Transformer(config.model(),
        InitFrom.startingWeights(config, ModelLayout.of(config.model()), scratch, DataType.FLOAT32), scratch,
        Autocast.of(config.train()));
  }

  private ExpertParallel expertParallel(int layer, Duration timeout) {
    List<SwiGlu> owned = new ArrayList<>();
    for (int expert : role.experts()) owned.add(SwiGlu.expert(params, layer, expert, Autocast.of(config.train())));
    ExpertParallel experts = new ExpertParallel(layer, placement.epGroupOf(role.stage(), role.replica()),
        new LocalExperts(owned), config.train().recomputeExperts(), exchange, timeout, cursor);
    expertParallel.add(experts);
    return experts;
  }

  /**
   * Forward and backward of this worker's micro-batches of {@code step}, then the gradient reductions.
   *
   * @param lossScale the coordinator's loss scale: every micro-batch's loss is multiplied by it before backward
   */
  public StepReport runStep(long step, double lossScale) {
    try {
      return runPhases(step, lossScale);
    } catch (RuntimeException e) {
      throw outOfMemory(e);
    }
  }

  private StepReport runPhases(long step, double lossScale) {
    Autograd.zeroGradients(params.arrays());
    StepMeter meter = new StepMeter();
    double[] routerBiases = BiasBalancing.flat(params); // as routed with, before this step's update
    MicroBatchState[] states = new MicroBatchState[microBatches.size()];
    try (NDScope scope = new NDScope()) {
      for (Action action : schedule) {
        if (action.kind() == Action.Kind.FORWARD) {
          states[action.microBatch()] = forward(step, action.microBatch(), lossScale, meter);
        } else {
          backward(step, action.microBatch(), states[action.microBatch()], lossScale, meter);
        }
      }
      long start = System.nanoTime();
      sharding.reduceGradients(step);
      meter.commNs += System.nanoTime() - start;
      return meter.report(countedGradNormSquared(), role.stage(), role.replica(),
          DeviceMemory.of(manager.getDevice()).map(DeviceMemory::usedBytes).orElse(DeviceMemory.NONE), routerBiases,
          sharding.stateBytes(optimizer));
    } finally {
      Autograd.record(false);
    }
  }

  /**
   * Steps the optimizer with the coordinator's learning rate and clipping scale, then moves this slice's routing
   * biases by the step's global expert loads (the same in every worker).
   */
  public void applyUpdate(double lr, double gradScale, int[][] expertLoads) {
    phase = Phase.OPTIMIZER;
    try {
      optimizer.step(lr, gradScale);
      sharding.gatherUpdated();
    } catch (RuntimeException e) {
      throw outOfMemory(e);
    }
    BiasBalancing.update(params, config.model(), expertLoads);
  }

  /** The engine's out-of-memory error as one message naming this worker and the phase; other errors unchanged. */
  private RuntimeException outOfMemory(RuntimeException e) {
    String worker = "worker " + exchange.self().value() + " (stage " + role.stage() + ", replica " + role.replica()
        + ")";
    return OutOfDeviceMemory.named(e, worker, phase, manager.getDevice());
  }

  /**
   * What this worker writes into a sharded checkpoint: the parameters it owns and their AdamW moments, and the
   * buffers it owns (routing biases), by global name. The tensors are read as they are written, one at a time (no
   * copy of the whole shard): write it on the engine thread, between steps.
   */
  public Shard shard() {
    Map<String, NDArray> model = new LinkedHashMap<>();
    Map<String, NDArray> moments = new LinkedHashMap<>();
    Map<String, NDArray> allMoments = optimizer.moments();
    for (String name : params.names()) {
      if (!sharding.counts(name)) continue;
      model.put(name, params.get(name));
      moments.put(AdamW.EXP_AVG + name, allMoments.get(AdamW.EXP_AVG + name));
      moments.put(AdamW.EXP_AVG_SQ + name, allMoments.get(AdamW.EXP_AVG_SQ + name));
    }
    // Every replica of the stage holds the same buffers (routing biases): replica 0 writes them.
    if (role.replica() == 0) model.putAll(params.buffers());
    return new Shard("stage" + role.stage() + "-rank" + role.replica(), TrainerCheckpoints.hostSources(model),
        TrainerCheckpoints.hostSources(moments), optimizer.steps());
  }

  /** Loads every tensor of this slice from a checkpoint of any placement. */
  public void restore(CheckpointTensors saved, long optimizerSteps) {
    try (NDScope scope = new NDScope()) {
      TrainerCheckpoints.restore(saved, params, optimizer, optimizerSteps, manager);
    }
  }

  private MicroBatchState forward(long step, int local, double lossScale, StepMeter meter) {
    phase = Phase.FORWARD;
    int micro = microBatches.get(local);
    boolean last = role.stage() == placement.lastStage();
    NDArray tokens = stage.hasEmbedding() ? objective.tokens(manager, step, micro) : null; // (B, T)
    if (tokens != null) meter.tokens += tokens.size();
    NDArray input = stage.hasEmbedding() ? null : receive(step, ACTIVATION, micro, role.stage() - 1, meter);
    cursor.at(placement.epoch(), step, local); // ep ranks run different global micro-batches in lockstep
    long start = System.nanoTime();
    long exchangedBefore = cursor.exchangeNanos;
    Autograd.record(true);
    NDArray layerInput = input == null ? model.embed(tokens) : input; // (B, T, d)
    RecomputedLayers recomputed = model.recomputed(layerInput, config.train());
    Transformer.Hidden hidden = recomputed != null ? recomputed.hidden() : model.layers(layerInput, null);
    NDArray loss = routerLoss(hidden.moe(), meter);
    NDArray output = null;
    if (last) {
      Objective.Scored scored = objective.loss(model, manager, hidden.hidden(), step, micro);
      meter.addObjective(scored.loss().getFloat(), scored.figures());
      loss = loss == null ? scored.loss() : loss.add(scored.loss());
    } else {
      output = hidden.hidden();
    }
    // As the single worker: the mean over the global batch, times the loss scale (exact for a power of two).
    if (loss != null) loss = loss.div(Ops.scalar(loss, config.train().gradAccumSteps() / lossScale));
    Autograd.record(false);
    long exchanged = cursor.exchangeNanos - exchangedBefore;
    meter.forwardNs += System.nanoTime() - start - exchanged;
    meter.commNs += exchanged;
    if (output != null) send(step, ACTIVATION, micro, role.stage() + 1, output, meter);
    return new MicroBatchState(input, output, loss, layerInput, recomputed);
  }

  private void backward(long step, int local, MicroBatchState state, double lossScale, StepMeter meter) {
    phase = Phase.BACKWARD;
    int micro = microBatches.get(local);
    NDArray outputGradient = state.output() == null ? null
        : receive(step, GRADIENT, micro, role.stage() + 1, meter);
    cursor.at(placement.epoch(), step, local); // ep ranks run different global micro-batches in lockstep
    long start = System.nanoTime();
    long exchangedBefore = cursor.exchangeNanos;
    // With expert parallelism the graph below each MoE layer is traversed again by that layer's expert backward.
    boolean keepGraph = !expertParallel.isEmpty();
    if (outputGradient == null) {
      Autograd.backward(state.objective(), keepGraph);
    } else {
      // d/d(params) of <output, dL/d(output)> + this stage's own loss terms is exactly this stage's share of dL.
      // Built with recording on: it is a graph node itself, joined to the forward's graph.
      Autograd.record(true);
      NDArray surrogate = state.output().mul(outputGradient).sum();
      if (state.objective() != null) surrogate = surrogate.add(state.objective());
      Autograd.record(false);
      Autograd.backward(surrogate, keepGraph);
    }
    if (state.recomputed() == null) { // recomputed layers run their experts' backward each after its layer's
      for (int i = expertParallel.size() - 1; i >= 0; i--) expertParallel.get(i).backward(); // top layer first
    }
    NDArray inputGradient = state.input() == null ? null : state.input().getGradient();
    if (state.recomputed() != null) {
      // The backward above stopped at the layers' output: now layer by layer to their input (each layer run again
      // under recompute = layers, its experts under experts).
      inputGradient = state.recomputed().backward(config.train().gradAccumSteps() / lossScale);
      if (state.input() == null) Autograd.backward(state.layerInput(), inputGradient);
    }
    long exchanged = cursor.exchangeNanos - exchangedBefore;
    meter.backwardNs += System.nanoTime() - start - exchanged;
    meter.commNs += exchanged;
    if (state.input() != null) send(step, GRADIENT, micro, role.stage() - 1, inputGradient, meter);
  }

  /** This stage's weighted router losses (as in Loss.of), or null when it has no MoE layer. */
  private NDArray routerLoss(List<MoeOutput> moe, StepMeter meter) {
    if (moe.isEmpty()) return null;
    NDArray total = null;
    NDList balance = new NDList();
    NDList z = new NDList();
    for (MoeOutput out : moe) {
      NDArray term = Loss.routerTerms(out, config.model().moe());
      total = total == null ? term : total.add(term);
      balance.add(out.balanceLoss());
      z.add(out.zLoss());
    }
    // Both sums in one host read: (2, layers) summed over layers.
    double[] sums = NDArrays.stack(new NDList(NDArrays.stack(balance), NDArrays.stack(z))).stopGradient()
        .sum(new int[] {1}).toType(DataType.FLOAT64, false).toDoubleArray();
    meter.addRouting(moe, sums[0], sums[1]);
    return total;
  }

  private NDArray receive(long step, String kind, int micro, int fromStage, StepMeter meter) {
    WorkerId from = placement.worker(fromStage, role.replica());
    long start = System.nanoTime();
    TensorPayload payload = exchange.receive(new TensorKey(placement.epoch(), step, kind, micro, from.value()), timeout);
    meter.idleNs += System.nanoTime() - start;
    NDArray array = HostArrays.toArray(payload, manager);
    if (kind.equals(ACTIVATION)) array.setRequiresGradient(true);
    return array;
  }

  private void send(long step, String kind, int micro, int toStage, NDArray array, StepMeter meter) {
    long start = System.nanoTime();
    exchange.send(placement.worker(toStage, role.replica()),
        new TensorKey(placement.epoch(), step, kind, micro, exchange.self().value()), HostArrays.toPayload(array));
    meter.commNs += System.nanoTime() - start;
  }

  /** Squared norm of the gradients this worker {@link ZeroSharding#counts}: summed over workers, the global norm. */
  private double countedGradNormSquared() {
    NDList norms = new NDList();
    for (String name : params.names()) {
      if (sharding.counts(name)) norms.add(params.get(name).getGradient().norm());
    }
    if (norms.isEmpty()) return 0;
    // One host read for all of them, as the single-worker step does.
    return NDArrays.stack(norms).square().sum().toType(DataType.FLOAT64, false).getDouble();
  }

  @Override
  public void close() {
    manager.close();
  }
}
