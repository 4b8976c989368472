package dev.cohort.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cohort.data.PreparedCorpus;
import dev.cohort.run.Corpora;
import dev.cohort.worker.train.Evaluation;
import dev.cohort.worker.train.TrainedModel;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "eval", mixinStandardHelpOptions = true,
    description = "Perplexity of a run's newest checkpoint on a prepared split; prints one JSON line.")
public final class EvalCommand implements Callable<Integer> {
  @Mixin RunOptions run;

  @Option(names = "--split", defaultValue = "validation", description = "validation or train")
  String split;

  @Option(names = "--batch", defaultValue = "8", description = "windows per forward") int batch;

  @Option(names = "--max-batches", defaultValue = "0", description = "stop after this many batches (0: whole split)")
  int maxBatches;

  @Override
  public Integer call() {
    if (!split.equals("validation") && !split.equals("train")) {
      throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
          "--split must be validation or train, got '" + split + "'");
    }
    Threads.configure(0);
    try (TrainedModel trained = TrainedModel.load(run.dir, run.overrides)) {
      PreparedCorpus corpus = Corpora.openOrPrepare(trained.config());
      int seqLen = trained.config().data().seqLen();
      Evaluation.SplitLoss result = Evaluation.splitLoss(trained.model(),
          split.equals("train") ? corpus.train() : corpus.validation(), seqLen, batch, maxBatches,
          trained.manager());
      ObjectNode out = new ObjectMapper().createObjectNode();
      out.put("run", run.dir.toString());
      out.put("checkpoint_step", trained.step());
      out.put("split", split);
      out.put("tokens", result.tokens());
      out.put("loss", result.loss());
      out.put("perplexity", result.perplexity());
      System.out.println(out);
    }
    return 0;
  }
}
