package dev.cohort.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import dev.cohort.config.CohortConfig;
import dev.cohort.worker.train.RunDirectory;
import dev.cohort.worker.train.Trainer;
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

  @Override
  public Integer call() {
    Config hocon = resume ? runOf(config.load()).resumedConfig(config.overrides) : config.hocon();
    CohortConfig cohort = CohortConfig.fromHocon(hocon);
    Threads.configure(cohort.train().threads());
    try (Trainer trainer = new Trainer(cohort, hocon, resume);
        ProgressBar bar = progressBar(trainer.firstStep(), cohort.train().steps())) {
      ObjectNode last = trainer.run((metrics, total) -> {
        bar.stepTo(metrics.get("step").asLong() + 1);
        bar.setExtraMessage(String.format(Locale.ROOT, "loss %.3f  %.0f tok/s",
            metrics.get("loss").asDouble(), metrics.get("tokens_per_s").asDouble()));
      });
      if (last != null) System.out.println(last);
      System.out.println("run directory: " + trainer.runDirectory().root());
    }
    return 0;
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
