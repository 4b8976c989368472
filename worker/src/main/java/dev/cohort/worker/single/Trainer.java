package dev.cohort.worker.single;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import dev.cohort.config.CohortConfig;
import dev.cohort.config.TrainConfig;
import dev.cohort.device.DeviceMemory;
import dev.cohort.device.Devices;
import dev.cohort.metrics.ModelFlops;
import dev.cohort.metrics.ObjectiveFigures;
import dev.cohort.model.BiasBalancing;
import dev.cohort.model.Parameters;
import dev.cohort.model.Transformer;
import dev.cohort.model.layout.ModelLayout;
import dev.cohort.run.MetricsLog;
import dev.cohort.run.RunDirectory;
import dev.cohort.worker.align.Objectives;
import dev.cohort.worker.train.AdamW;
import dev.cohort.worker.train.InitFrom;
import dev.cohort.worker.train.Objective;
import dev.cohort.worker.train.Precision;
import dev.cohort.worker.train.StepResult;
import dev.cohort.worker.train.TrainerCheckpoints;
import dev.cohort.worker.train.TrainingStep;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single-worker training loop: the whole model in this process, steps from the last checkpoint (or zero) to
 * train.steps, metrics to metrics.jsonl, validation and checkpoints at their intervals. The weights start fresh or
 * from recipe.init-from; what a step trains is the recipe's objective (pretraining, SFT or DPO).
 */
public final class Trainer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Trainer.class);

  /** Told about every finished step, for progress bars and live views. */
  public interface Listener {
    void onStep(ObjectNode metrics, long totalSteps);
  }

  private final CohortConfig config;
  private final RunDirectory run;
  private final NDManager manager;
  private final Parameters params;
  private final Transformer model;
  private final AdamW optimizer;
  private final Objective objective;
  private final TrainingStep trainingStep;
  private final TrainerCheckpoints checkpoints;
  private final long firstStep;

  public Trainer(CohortConfig config, Config hocon, boolean resume) {
    this.config = config;
    TrainConfig train = config.train();
    // The device first: a GPU run that cannot reach its GPU fails before it creates a run directory.
    this.manager = Devices.manager(train);
    this.run = resume ? new RunDirectory(RunDirectory.of(config)) : RunDirectory.create(RunDirectory.of(config), hocon);
    // Loaded on resume too: DPO's reference is these weights, not the resumed ones.
    this.params = InitFrom.startingWeights(config, ModelLayout.of(config.model()), manager, Precision.dtype(train));
    params.requireGradients();
    this.model = new Transformer(config.model(), params, manager, train);
    this.optimizer = new AdamW(train, params);
    this.objective = Objectives.of(config, scratch -> model, manager);
    this.trainingStep = new TrainingStep(train, model, params, optimizer, objective, manager);
    this.checkpoints = new TrainerCheckpoints(run.checkpoints(), config.checkpoint().keep());
    this.firstStep = resume ? checkpoints.restoreLatest(params, optimizer, trainingStep, train, manager) : 0;
    log.info("model: {} parameters; run directory {}; starting at step {}", params.count(), run.root(), firstStep);
  }

  public RunDirectory runDirectory() {
    return run;
  }

  public long firstStep() {
    return firstStep;
  }

  /** Trains to the configured step count; returns the last step's metrics (null if nothing was left to do). */
  public ObjectNode run(Listener listener) {
    TrainConfig train = config.train();
    List<String> figures = ObjectiveFigures.of(config.recipe().objective());
    double flopsPerToken = ModelFlops.perToken(config.model(), config.data().seqLen());
    ObjectNode last = null;
    try (MetricsLog metrics = new MetricsLog(run.metrics(), firstStep)) {
      for (long step = firstStep; step < train.steps(); step++) {
        long start = System.nanoTime();
        double[][] routerBiases = BiasBalancing.values(params); // as this step routes with, before its update
        StepResult result = trainingStep.run(step);
        double stepMs = (System.nanoTime() - start) / 1e6;
        double tokensPerSecond = result.tokens() * 1000.0 / stepMs;
        ObjectNode line = result.metricsLine(stepMs, tokensPerSecond);
        ObjectiveFigures.put(line, figures, result.objectiveFigures(), train.gradAccumSteps());
        DeviceMemory.of(manager.getDevice()).ifPresent(m -> line.put(MetricsLog.DEVICE_MEMORY, m.usedBytes()));
        line.put(MetricsLog.MFU, tokensPerSecond * flopsPerToken / config.metrics().peakFlopsPerWorker());
        if (routerBiases.length > 0) MetricsLog.putRouterBiases(line, routerBiases);
        last = line;
        boolean final_ = step == train.steps() - 1;
        if (train.evalEvery() > 0 && ((step + 1) % train.evalEvery() == 0 || final_)) {
          objective.evaluate(model, manager, last);
        }
        metrics.write(last);
        listener.onStep(last, train.steps());
        int every = config.checkpoint().every();
        if ((every > 0 && (step + 1) % every == 0) || final_) {
          checkpoints.save(step + 1, params, optimizer, trainingStep.scaler(), config);
        }
      }
    }
    return last;
  }

  @Override
  public void close() {
    manager.close();
  }
}
