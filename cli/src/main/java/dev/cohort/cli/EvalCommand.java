package dev.cohort.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cohort.data.DataMixture;
import dev.cohort.data.PreparedCorpus;
import dev.cohort.data.SplitStats;
import dev.cohort.run.Corpora;
import dev.cohort.worker.train.Evaluation;
import dev.cohort.worker.train.TrainedModel;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "eval", mixinStandardHelpOptions = true,
    description = "Loss (nats per token), perplexity and bits per byte of text of a run's newest checkpoint on a "
        + "prepared split; prints one JSON line.")
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
      DataMixture data = Corpora.openOrPrepare(trained.config());
      for (DataMixture.Source source : data.sources()) {
        evaluate(trained, source, data.sources().size() > 1);
      }
    }
    return 0;
  }

  /** Prints one JSON line: the split of one corpus (of a mixture's source, named, when {@code named}). */
  private void evaluate(TrainedModel trained, DataMixture.Source source, boolean named) {
    PreparedCorpus corpus = source.corpus();
    int seqLen = trained.config().data().seqLen();
    boolean train = split.equals("train");
    Evaluation.SplitLoss result = Evaluation.splitLoss(trained.model(),
        train ? corpus.train() : corpus.validation(), seqLen, batch, maxBatches, trained.manager());
    SplitStats stats = train ? corpus.index().train() : corpus.index().validation();
    ObjectNode out = new ObjectMapper().createObjectNode();
    out.put("run", run.dir.toString());
    if (named) out.put("source", source.name());
    out.put("checkpoint_step", trained.step());
    out.put("split", split);
    out.put("tokens", result.tokens());
    out.put("loss", result.loss());
    out.put("perplexity", result.perplexity());
    out.put("bits_per_byte", stats.bitsPerByte(result.loss()));
    System.out.println(out);
  }
}
