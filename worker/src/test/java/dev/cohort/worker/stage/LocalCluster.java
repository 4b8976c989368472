package dev.cohort.worker.stage;

import dev.cohort.config.CohortConfig;
import dev.cohort.placement.Placement;
import dev.cohort.placement.PlacementPlanner;
import dev.cohort.placement.WorkerId;
import dev.cohort.protocol.CoordinatorProtocol.StepReport;
import dev.cohort.protocol.StepSummary;
import dev.cohort.run.GradClipping;
import dev.cohort.run.LrSchedule;
import dev.cohort.worker.collective.LocalExchange;
import dev.cohort.worker.collective.RingAllReduce;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;

/**
 * Workers as threads of one JVM, each with its own engine thread, talking over LocalExchange: the coordinator's
 * arithmetic without actors or processes, for fast exactness tests.
 */
final class LocalCluster implements AutoCloseable {
  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  private final CohortConfig config;
  private final List<ExecutorService> threads = new ArrayList<>();
  private final List<StageEngine> engines = new ArrayList<>();
  private final int moeLayers;

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
      LocalExchange exchange = hub.exchangeFor(id);
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
      engine.applyUpdate(lr, scale);
      return null;
    });
    return summary;
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
