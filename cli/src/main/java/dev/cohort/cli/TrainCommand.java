package dev.cohort.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import dev.cohort.cluster.HostPort;
import dev.cohort.config.CohortConfig;
import dev.cohort.config.ConfigError;
import dev.cohort.coordinator.LocalRun;
import dev.cohort.coordinator.RunSpec;
import dev.cohort.metrics.RunMetrics;
import dev.cohort.metrics.RunStatus;
import dev.cohort.run.RunDirectory;
import dev.cohort.worker.single.Trainer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "train", mixinStandardHelpOptions = true,
    description = "Train a model. With no options: the demo MoE on the bundled Brown corpus, in this process.")
public final class TrainCommand implements Callable<Integer> {
  @Mixin ConfigOptions config;

  @Option(names = "--resume", description = "Continue the run in runs/<run.name> from its newest complete checkpoint")
  boolean resume;

  @Option(names = "--no-progress", description = "No progress bar (logs only)")
  boolean noProgress;

  @Option(names = "--workers", paramLabel = "N", defaultValue = "0",
      description = "Train on N worker JVMs started on 127.0.0.1, coordinated from this process (like torchrun). "
          + "N must equal parallel.pp x parallel.dp; with pp = dp = 1 in the config, --workers N means dp = N.")
  int workers;

  @Option(names = "--external-workers",
      description = "With --workers N: start no worker processes; wait for N workers started elsewhere (cohort worker "
          + "--join cluster.host:cluster.coordinator-port), as the ssh, Slurm and Kubernetes launchers in deploy/ do.")
  boolean externalWorkers;

  @Option(names = "--standby", paramLabel = "HOST:PORT",
      description = "With --workers N --external-workers: be the standby coordinator of the same run, joined to the "
          + "coordinator at HOST:PORT; if that one is lost, continue the run here from its newest complete checkpoint. "
          + "Ends when the run ends. The deploy/ launchers start one.")
  String standby;

  @Override
  public Integer call() {
    if (externalWorkers && workers == 0) throw new ConfigError("--external-workers", "needs --workers N");
    if (standby != null && !externalWorkers) {
      throw new ConfigError("--standby", "needs --workers N --external-workers (workers that join the cluster)");
    }
    if (workers > 0) return trainDistributed();
    Config hocon = resume ? runOf(config.load()).resumedConfig(config.overrides) : config.hocon();
    CohortConfig cohort = CohortConfig.fromHocon(hocon);
    Threads.configure(cohort.train().threads());
    try (Trainer trainer = new Trainer(cohort, hocon, resume);
        RunMetrics served = RunMetrics.start(cohort, "trainer", trainer.runDirectory().root());
        ProgressBar bar = progressBar(trainer.firstStep(), cohort.train().steps())) {
      served.address().ifPresent(a -> System.out.println("metrics: http://" + a + "/metrics, status: http://" + a
          + RunStatus.PATH));
      ObjectNode last = trainer.run((metrics, total) -> {
        served.step(metrics, total);
        showStep(bar, metrics);
      });
      if (last != null) System.out.println(last);
      System.out.println("run directory: " + trainer.runDirectory().root());
    }
    return 0;
  }

  private int trainDistributed() {
    CohortConfig plain = resume ? CohortConfig.fromHocon(runOf(config.load()).resumedConfig(config.overrides))
        : config.load();
    List<String> overrides = new ArrayList<>(config.overrides);
    if (!plain.train().dtype().equals("float32")) {
      throw new ConfigError("--workers", "distributed workers train in float32; train.dtype = " + plain.train().dtype()
          + " runs on a single worker (without --workers)");
    }
    if (plain.parallel().workers() == 1 && workers > 1) overrides.add("parallel.dp = " + workers);
    // A resumed run keeps its recorded config (model, data, seed); the layout may change: checkpoints reshard.
    Config hocon = resume ? runOf(config.load()).resumedConfig(overrides) : CohortConfig.hocon(config.file, overrides);
    CohortConfig cohort = CohortConfig.fromHocon(hocon);
    if (cohort.parallel().workers() != workers) {
      throw new ConfigError("--workers", workers + " workers, but parallel.pp x parallel.dp = "
          + cohort.parallel().workers());
    }
    try (ProgressBar bar = progressBar(0, cohort.train().steps())) {
      RunSpec.Listener progress = (metrics, totalSteps) -> {
        if (bar.getCurrent() == 0) bar.reset(); // the ETA counts from the first step, not from cluster start-up
        showStep(bar, metrics);
      };
      ObjectNode last = standby != null ? LocalRun.standby(cohort, hocon, progress, primary())
          : externalWorkers ? LocalRun.runWithJoiningWorkers(cohort, hocon, progress, resume)
          : LocalRun.run(cohort, hocon, Main.class.getName(), List.of("worker"), progress, resume, processes -> { });
      if (last != null) System.out.println(last);
      System.out.println("run directory: " + RunDirectory.of(cohort));
    }
    return 0;
  }

  private HostPort primary() {
    try {
      return HostPort.parse(standby);
    } catch (IllegalArgumentException e) {
      throw new ConfigError("--standby", e.getMessage());
    }
  }

  private static void showStep(ProgressBar bar, ObjectNode metrics) {
    bar.stepTo(metrics.get("step").asLong() + 1);
    bar.setExtraMessage(String.format(Locale.ROOT, "loss %.3f  %.0f tok/s",
        metrics.get("loss").asDouble(), metrics.get("tokens_per_s").asDouble()));
  }

  private static RunDirectory runOf(CohortConfig cohort) {
    return new RunDirectory(RunDirectory.of(cohort));
  }

  private ProgressBar progressBar(long first, long total) {
    ProgressBarBuilder builder = new ProgressBarBuilder().setTaskName("train").setInitialMax(total)
        .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(1000).showSpeed()
        .startsFrom(first, java.time.Duration.ZERO);
    if (noProgress) builder.setConsumer(new me.tongfei.progressbar.DelegatingProgressBarConsumer(line -> { }));
    return builder.build();
  }

}
