package dev.cohort.worker.align;

import ai.djl.ndarray.NDManager;
import dev.cohort.config.CohortConfig;
import dev.cohort.config.ConfigError;
import dev.cohort.config.RecipeConfig;
import dev.cohort.data.Tokenizer;
import dev.cohort.model.Transformer;
import dev.cohort.worker.train.Corpora;
import dev.cohort.worker.train.CorpusObjective;
import dev.cohort.worker.train.Objective;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The objective recipe.objective names, built from the config (DPO's reference: {@code model} as it is now). */
public final class Objectives {
  private static final Logger log = LoggerFactory.getLogger(Objectives.class);

  private Objectives() {}

  public static Objective of(CohortConfig config, Transformer model, NDManager manager) {
    RecipeConfig recipe = config.recipe();
    return switch (recipe.objective()) {
      case RecipeConfig.SFT -> sft(config, template(config));
      case RecipeConfig.DPO -> dpo(config, template(config), model, manager);
      default -> new CorpusObjective(Corpora.batches(Corpora.openOrPrepare(config), config),
          config.train().evalBatches());
    };
  }

  /** The chat template over the run's tokenizer, which must fit the model's vocabulary. */
  public static ChatTemplate template(CohortConfig config) {
    Tokenizer tokenizer = Tokenizer.named(config.data().tokenizer());
    if (tokenizer.vocabSize() > config.model().vocabSize()) {
      throw new ConfigError("cohort.model.vocab-size", "must be >= the tokenizer's vocabulary ("
          + tokenizer.vocabSize() + "), got " + config.model().vocabSize());
    }
    return new ChatTemplate(config.recipe().template(), tokenizer);
  }

  private static SftObjective sft(CohortConfig config, ChatTemplate template) {
    List<Tokenized> examples = new ArrayList<>();
    for (List<Turn> c : ExampleFile.conversations(Path.of(config.recipe().examples()))) {
      examples.add(template.render(c));
    }
    int seqLen = config.data().seqLen();
    List<Row> rows = Row.layOut(examples, seqLen, config.recipe().pack(), template.tokenizer().endOfText());
    log.info("sft: {} examples in {} rows of {} tokens", examples.size(), rows.size(), seqLen);
    return new SftObjective(rows, config.train().microBatchSize(), config.train().globalBatch(), config.run().seed());
  }

  private static DpoObjective dpo(CohortConfig config, ChatTemplate template, Transformer model,
      NDManager manager) {
    List<DpoObjective.Pair> pairs = new ArrayList<>();
    for (Preference p : ExampleFile.preferences(Path.of(config.recipe().examples()))) {
      pairs.add(DpoObjective.Pair.of(p, template, config.data().seqLen()));
    }
    long start = System.nanoTime();
    DpoObjective objective = new DpoObjective(pairs, config.recipe().dpo(), template.tokenizer().endOfText(),
        config.train().microBatchSize(), config.train().globalBatch(), config.run().seed(), model, manager);
    log.info("dpo: reference log-probabilities of {} pairs in {} ms", pairs.size(),
        (System.nanoTime() - start) / 1_000_000);
    return objective;
  }
}
