package dev.cohort.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cohort.config.CohortConfig;
import dev.cohort.run.RunDirectory;
import dev.cohort.worker.align.ChoiceAccuracy;
import dev.cohort.worker.align.ExampleFile;
import dev.cohort.worker.align.Objectives;
import dev.cohort.worker.train.TrainedModel;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "accuracy", mixinStandardHelpOptions = true,
    description = "Multiple-choice accuracy of a run's newest checkpoint: it picks the most likely candidate "
        + "response under the run's chat template. Prints one JSON line.")
public final class AccuracyCommand implements Callable<Integer> {
  @Mixin RunOptions run;

  @Option(names = "--choices", required = true, paramLabel = "FILE",
      description = "JSON lines with prompt, response (the right answer) and choices")
  Path choices;

  @Override
  public Integer call() {
    // The run's own thread count: on a shared machine two spinning threads can be ten times slower than one.
    Threads.configure(CohortConfig.fromHocon(new RunDirectory(run.dir).resumedConfig(run.overrides)).train().threads());
    try (TrainedModel trained = TrainedModel.load(run.dir, run.overrides)) {
      long start = System.nanoTime();
      // Truncated to the model's longest sequence, not the run's training windows: every stage is asked alike.
      ChoiceAccuracy.Result result = ChoiceAccuracy.measure(trained.model(), trained.manager(),
          Objectives.template(trained.config()), ExampleFile.choices(choices), trained.config().model().maxSeqLen());
      ObjectNode out = new ObjectMapper().createObjectNode();
      out.put("run", run.dir.toString());
      out.put("checkpoint_step", trained.step());
      out.put("questions", result.questions());
      out.put("accuracy", result.accuracy());
      result.predicted().forEach(out.putObject("predicted")::put);
      out.put("seconds", (System.nanoTime() - start) / 1e9);
      System.out.println(out);
    }
    return 0;
  }
}
