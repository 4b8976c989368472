package dev.cohort.worker.stage;

import dev.cohort.checkpoint.CheckpointTensors;
import dev.cohort.checkpoint.Safetensors;
import dev.cohort.config.CohortConfig;
import dev.cohort.model.Autograd;
import dev.cohort.placement.Placement;
import dev.cohort.placement.PlacementPlanner;
import dev.cohort.placement.WorkerId;
import dev.cohort.protocol.CoordinatorProtocol.StepReport;
import dev.cohort.protocol.StepSummary;
import dev.cohort.run.LossScaler;
import dev.cohort.run.LrSchedule;
import dev.cohort.tensor.TensorSource;
import dev.cohort.worker.collective.Exchange;
import dev.cohort.worker.collective.LocalExchange;
import dev.cohort.worker.collective.RingAllReduce;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiFunction;

/**
 * Workers as threads of one JVM, each with its own engine thread, talking over LocalExchange: the coordinator's
 * arithmetic without actors or processes, for fast exactness tests.
 */
final class LocalCluster implements AutoCloseable {
  private static final Duration TIMEOUT = Duration.ofSeconds(60);
  private static final String ALL_TO_ALL = "ep-"; // ExpertParallel's tensor kinds

  private final CohortConfig config;
  private final List<ExecutorService> threads = new ArrayList<>();
  private final List<StageEngine> engines = new ArrayList<>();
  private final int moeLayers;
  private final AtomicLong allToAllBytes = new AtomicLong();
  private LossScaler scaler;

  LocalCluster(CohortConfig config) throws Exception {
    this.config = config;
    List<WorkerId> ids = new ArrayList<>();
    for (int i = 0; i < config.parallel().workers(); i++) ids.add(new WorkerId("w" + i));
    Placement placement = PlacementPlanner.plan(config.model(), config.parallel(), ids, 1);
    LocalExchange.Hub hub = new LocalExchange.Hub();
    List<Future<StageEngine>> built = new ArrayList<>();
    for (WorkerId id : ids) {
      ExecutorService thread = Executors.newSingleThreadExecutor();
      threads.add(thread);
      Exchange exchange = new CountingExchange(hub.exchangeFor(id), ALL_TO_ALL, allToAllBytes);
      built.add(thread.submit(() -> new StageEngine(config, placement, exchange,
          new RingAllReduce(exchange, TIMEOUT), TIMEOUT)));
    }
    for (Future<StageEngine> engine : built) engines.add(engine.get());
    this.moeLayers = config.model().moeLayerCount();
    this.scaler = LossScaler.initial(config.train());
  }

  /** What a step measured: the global summary, the decision taken from it and every worker's own report. */
  record Step(StepSummary summary, LossScaler.Decision update, List<StepReport> reports) {}

  /** One step as the coordinator drives it: every worker's forward/backward, then one update with the global norm. */
  StepSummary step(long step) throws Exception {
    return step(step, -1).summary();
  }

  /**
   * @param overflowing the index of a worker whose loss is scaled by infinity, so its gradients hold infs as a float16
   *     overflow would leave them; -1 for none
   */
  Step step(long step, int overflowing) throws Exception {
    double lossScale = scaler.scale();
    List<StepReport> reports = onEveryWorker((i, engine) ->
        engine.runStep(step, i == overflowing ? Double.POSITIVE_INFINITY : lossScale));
    StepSummary summary = StepSummary.of(reports, config.train().gradAccumSteps(), moeLayers);
    LossScaler.Decision update = scaler.decide(summary.gradNorm(), config.train());
    scaler = update.next();
    double lr = LrSchedule.of(config.train()).at(step);
    if (!update.skipped()) {
      onEveryWorker((i, engine) -> {
        engine.applyUpdate(lr, update.gradScale(), summary.expertTokens());
        return null;
      });
    }
    return new Step(summary, update, reports);
  }

  /** Host copies of every worker's parameters and AdamW moments (the ones it owns), taken between steps. */
  List<Shard> snapshots() throws Exception {
    return onEveryWorker((i, engine) -> {
      Shard shard = engine.shard();
      return new Shard(shard.suffix(), copies(shard.model()), copies(shard.moments()), shard.optimizerSteps());
    });
  }

  private static Map<String, TensorSource> copies(Map<String, TensorSource> sources) {
    Map<String, TensorSource> copies = new LinkedHashMap<>();
    sources.forEach((name, source) -> copies.put(name, source.read()));
    return copies;
  }

  /**
   * Writes every worker's shard of a checkpoint of the steps run so far into {@code dir}, as the workers do for a
   * sharded checkpoint; returns the files and the optimizer steps taken.
   */
  Saved saveShards(Path dir) throws Exception {
    List<String> files = new ArrayList<>();
    long optimizerSteps = 0;
    for (Shard shard : snapshots()) {
      optimizerSteps = shard.optimizerSteps();
      if (shard.isEmpty()) continue;
      for (String kind : List.of("model", "optimizer")) {
        String file = kind + "-" + shard.suffix() + ".safetensors";
        Safetensors.write(dir.resolve(file), kind.equals("model") ? shard.model() : shard.moments(), Map.of());
        files.add(file);
      }
    }
    return new Saved(dir, files, optimizerSteps);
  }

  record Saved(Path dir, List<String> files, long optimizerSteps) {}

  /** Every worker loads its slice from {@code saved}, whatever layout wrote it. */
  void restore(Saved saved) throws Exception {
    onEveryWorker((i, engine) -> {
      Autograd.record(false); // a fresh thread records by default, as the worker's engine thread does not
      engine.restore(CheckpointTensors.of(saved.dir(), saved.files()), saved.optimizerSteps());
      return null;
    });
  }

  /** Payload bytes the expert-parallel all-to-all (forward and backward) sent between workers so far. */
  long allToAllBytes() {
    return allToAllBytes.get();
  }

  private <T> List<T> onEveryWorker(BiFunction<Integer, StageEngine, T> work) throws Exception {
    List<Future<T>> futures = new ArrayList<>();
    for (int i = 0; i < engines.size(); i++) {
      StageEngine engine = engines.get(i);
      int index = i;
      futures.add(threads.get(i).submit(() -> work.apply(index, engine)));
    }
    List<T> results = new ArrayList<>();
    for (Future<T> f : futures) results.add(f.get());
    return results;
  }

  @Override
  public void close() throws Exception {
    onEveryWorker((i, engine) -> {
      engine.close();
      return null;
    });
    threads.forEach(ExecutorService::shutdownNow);
  }
}
