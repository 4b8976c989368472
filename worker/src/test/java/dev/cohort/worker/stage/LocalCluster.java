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
import dev.cohort.run.GradClipping;
import dev.cohort.run.LrSchedule;
import dev.cohort.worker.collective.Exchange;
import dev.cohort.worker.collective.LocalExchange;
import dev.cohort.worker.collective.RingAllReduce;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

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
  }

  /** One step as the coordinator drives it: every worker's forward/backward, then one update with the global norm. */
  StepSummary step(long step) throws Exception {
    List<StepReport> reports = onEveryWorker(engine -> engine.runStep(step));
    StepSummary summary = StepSummary.of(reports, config.train().gradAccumSteps(), moeLayers);
    double scale = GradClipping.scale(config.train(), summary.gradNorm());
    double lr = LrSchedule.of(config.train()).at(step);
    onEveryWorker(engine -> {
      engine.applyUpdate(lr, scale, summary.expertTokens());
      return null;
    });
    return summary;
  }

  /**
   * Writes every worker's shard of a checkpoint of the steps run so far into {@code dir}, as the workers do for a
   * sharded checkpoint; returns the files and the optimizer steps taken.
   */
  Saved saveShards(Path dir) throws Exception {
    List<String> files = new ArrayList<>();
    long optimizerSteps = 0;
    for (Shard shard : onEveryWorker(StageEngine::snapshot)) {
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
    onEveryWorker(engine -> {
      Autograd.record(false); // a fresh thread records by default, as the worker's engine thread does not
      engine.restore(CheckpointTensors.of(saved.dir(), saved.files()), saved.optimizerSteps());
      return null;
    });
  }

  /** Payload bytes the expert-parallel all-to-all (forward and backward) sent between workers so far. */
  long allToAllBytes() {
    return allToAllBytes.get();
  }

  private <T> List<T> onEveryWorker(Function<StageEngine, T> work) throws Exception {
    List<Future<T>> futures = new ArrayList<>();
    for (int i = 0; i < engines.size(); i++) {
      StageEngine engine = engines.get(i);
      futures.add(threads.get(i).submit(() -> work.apply(engine)));
    }
    List<T> results = new ArrayList<>();
    for (Future<T> f : futures) results.add(f.get());
    return results;
  }

  @Override
  public void close() throws Exception {
    onEveryWorker(engine -> {
      engine.close();
      return null;
    });
    threads.forEach(ExecutorService::shutdownNow);
  }
}
