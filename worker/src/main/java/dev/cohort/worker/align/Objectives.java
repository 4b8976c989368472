package dev.cohort.worker.align;

import ai.djl.ndarray.NDManager;
import dev.cohort.config.CohortConfig;
import dev.cohort.config.ConfigError;
import dev.cohort.config.RecipeConfig;
import dev.cohort.config.TrainConfig;
import dev.cohort.data.DataMixture;
import dev.cohort.data.RunTokenizer;
import dev.cohort.data.Tokenizer;
import dev.cohort.model.Transformer;
import dev.cohort.run.Corpora;
import dev.cohort.worker.train.Batches;
import dev.cohort.worker.train.CorpusObjective;
import dev.cohort.worker.train.Objective;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The objective recipe.objective names, built from the config. */
public final class Objectives {
  private static final Logger log = LoggerFactory.getLogger(Objectives.class);

  private Objectives() {}

  /** DPO's frozen reference: the whole model with the run's starting weights. */
  @FunctionalInterface
  public interface Reference {
    /**
     * The reference model. What it allocates in {@code scratch} is freed once the pairs are scored, so a process
     * that holds only a pipeline stage may build the whole model here for that while.
     */
    Transformer build(NDManager scratch);
  }

  /**
   * @param reference DPO's reference, asked for only by dpo; null where no loss is computed (a pipeline stage
   *     without the head)
   */
  public static Objective of(CohortConfig config, Reference reference, NDManager manager) {
    RecipeConfig recipe = config.recipe();
    return switch (recipe.objective()) {
      case RecipeConfig.SFT -> sft(config, template(config));
      case RecipeConfig.DPO -> dpo(config, template(config), reference, manager);
      default -> {
        DataMixture data = Corpora.openOrPrepare(config);
        yield new CorpusObjective(Batches.of(data, config), config.train().evalBatches(), data.sources(),
            Batches.perSource(data, config));
      }
    };
  }

  /** The chat template over the run's tokenizer, which must fit the model's vocabulary. */
  public static ChatTemplate template(CohortConfig config) {
    Tokenizer tokenizer = RunTokenizer.of(config.data());
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
    List<Tokenized> eval = new ArrayList<>();
    for (List<Turn> c : evalFile(config, ExampleFile::conversations)) eval.add(template.render(c).truncatedTo(seqLen));
    return new SftObjective(rows, config.train().microBatchSize(), config.train().globalBatch(), config.run().seed(),
        eval, template.tokenizer().endOfText());
  }

  /** The examples of recipe.eval-examples, or none. */
  private static <T> List<T> evalFile(CohortConfig config, Function<Path, List<T>> read) {
    String file = config.recipe().evalExamples();
    return file.isBlank() ? List.of() : read.apply(Path.of(file));
  }

  private static DpoObjective dpo(CohortConfig config, ChatTemplate template, Reference reference,
      NDManager manager) {
    List<DpoObjective.Pair> pairs = new ArrayList<>();
    for (Preference p : ExampleFile.preferences(Path.of(config.recipe().examples()))) {
      pairs.add(DpoObjective.Pair.of(p, template, config.data().seqLen()));
    }
    List<DpoObjective.Pair> eval = new ArrayList<>();
    for (Preference p : evalFile(config, ExampleFile::preferences)) {
      eval.add(DpoObjective.Pair.of(p, template, config.data().seqLen()));
    }
    int pad = template.tokenizer().endOfText();
    TrainConfig train = config.train();
    if (reference == null) {
      return new DpoObjective(pairs, config.recipe().dpo(), pad, train.microBatchSize(), train.globalBatch(),
          config.run().seed(), eval, null, manager);
    }
    long start = System.nanoTime();
    try (NDManager scratch = manager.newSubManager()) {
      DpoObjective objective = new DpoObjective(pairs, config.recipe().dpo(), pad, train.microBatchSize(),
          train.globalBatch(), config.run().seed(), eval, reference.build(scratch), manager);
      log.info("dpo: reference log-probabilities of {} pairs in {} ms", pairs.size(),
          (System.nanoTime() - start) / 1_000_000);
      return objective;
    }
  }
}
