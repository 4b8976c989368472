package dev.cohort.worker.align;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cohort.config.DpoConfig;
import dev.cohort.data.WindowSampler;
import dev.cohort.model.Autograd;
import dev.cohort.model.Ops;
import dev.cohort.model.Transformer;
import dev.cohort.worker.train.Objective;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Direct preference optimisation against a frozen reference: the run's starting weights (recipe.init-from). The
 * reference's log-probabilities of every pair are computed once, up front, so each step costs the policy's forward
 * and backward only.
 */
public final class DpoObjective implements Objective {
  private final List<Pair> pairs;
  private final Reference reference;
  private final DpoConfig config;
  private final int padToken;
  private final EpochOrder order;
  private final int microBatchSize;
  private final int globalBatch;
  private final List<Pair> evalPairs;
  private final Reference evalReference;

  /** A preference pair as tokens: prompt then response, response tokens flagged, both fitted to a row. */
  public record Pair(Tokenized chosen, Tokenized rejected) {
    public static Pair of(Preference p, ChatTemplate template, int maxTokens) {
      Tokenized prompt = template.render(p.prompt());
      return new Pair(prompt.followedBy(template.turn(Turn.assistant(p.chosen()))).truncatedTo(maxTokens),
          prompt.followedBy(template.turn(Turn.assistant(p.rejected()))).truncatedTo(maxTokens));
    }
  }

  /** The reference's sequence log-probabilities of each pair's chosen and rejected response, by pair index. */
  private record Reference(double[] chosen, double[] rejected) {}

  /**
   * @param reference the frozen reference model, or null where this objective computes no loss (a pipeline stage
   *     without the head, which needs the tokens only)
   * @param evalPairs held-out pairs for val_loss, val_reward_accuracy and val_reward_margin (empty: none)
   */
  public DpoObjective(List<Pair> pairs, DpoConfig config, int padToken, int microBatchSize, int globalBatch, long seed,
      List<Pair> evalPairs, Transformer reference, NDManager manager) {
    this.pairs = List.copyOf(pairs);
    this.config = config;
    this.padToken = padToken;
    this.order = new EpochOrder(pairs.size(), seed);
    this.microBatchSize = microBatchSize;
    this.globalBatch = globalBatch;
    this.reference = reference == null ? null : computeReference(reference, manager);
    this.evalPairs = List.copyOf(evalPairs);
    this.evalReference = reference == null || evalPairs.isEmpty() ? null : likelihoods(this.evalPairs, reference,
        manager);
  }

  /** The training objective on the held-out pairs, whole, without a graph. */
  @Override
  public void evaluate(Transformer model, NDManager manager, ObjectNode line) {
    if (evalReference == null) return;
    Reference policy = likelihoods(evalPairs, model, manager);
    try (NDScope scope = new NDScope()) {
      DpoLoss dpo = DpoLoss.of(manager.create(policy.chosen()), manager.create(policy.rejected()),
          manager.create(evalReference.chosen()), manager.create(evalReference.rejected()), config.beta());
      DpoLoss.Stats stats = dpo.stats();
      double chosenLogLikelihood = 0;
      for (double c : policy.chosen()) chosenLogLikelihood += c;
      long chosenTokens = evalPairs.stream().mapToLong(p -> p.chosen().responseTokens()).sum();
      line.put("val_loss", stats.loss() - config.sftWeight() * chosenLogLikelihood / chosenTokens);
      line.put("val_reward_margin", stats.margin());
      line.put("val_reward_accuracy", stats.accuracy());
    }
  }

  /** Each pair's chosen and rejected sequence log-likelihood under {@code model}, scored as choices are. */
  private Reference likelihoods(List<Pair> set, Transformer model, NDManager manager) {
    List<Tokenized> rows = new ArrayList<>();
    set.forEach(p -> rows.add(p.chosen()));
    set.forEach(p -> rows.add(p.rejected()));
    double[] scores = ChoiceAccuracy.scores(model, manager, rows, padToken);
    return new Reference(Arrays.copyOfRange(scores, 0, set.size()), Arrays.copyOfRange(scores, set.size(),
        scores.length));
  }

  @Override
  public NDArray tokens(NDManager manager, long step, int microBatch) {
    return RowBatch.tokens(rows(indices(step, microBatch)), manager);
  }

  @Override
  public Scored loss(Transformer model, NDManager manager, NDArray hidden, long step, int microBatch) {
    if (reference == null) throw new IllegalStateException("this DPO objective was built without its reference");
    int[] indices = indices(step, microBatch);
    RowBatch batch = RowBatch.of(rows(indices), manager);
    Responses policy = Responses.of(batch, batch.logProbs(model, hidden));
    NDArray refChosen = host(manager, indices, reference.chosen(), policy.chosen());
    NDArray refRejected = host(manager, indices, reference.rejected(), policy.rejected());
    DpoLoss dpo = DpoLoss.of(policy.chosen(), policy.rejected(), refChosen, refRejected, config.beta());
    // The RPO term: mean negative log-likelihood per chosen response token.
    NDArray nll = policy.chosen().sum().neg().div(Ops.scalar(refChosen, chosenTokens(indices)));
    NDArray objective = dpo.loss().add(nll.mul(Ops.scalar(nll, config.sftWeight())));
    return new Scored(objective, figures(dpo.stats(), TrainingScalars.of(nll)));
  }

  /** In ObjectiveFigures.DPO's order. */
  private static double[] figures(DpoLoss.Stats s, double chosenNll) {
    return new double[] {s.loss(), chosenNll, s.chosenReward(), s.rejectedReward(), s.margin(), s.accuracy()};
  }

  private int[] indices(long step, int microBatch) {
    int[] indices = new int[microBatchSize];
    for (int r = 0; r < microBatchSize; r++) {
      indices[r] = order.item(WindowSampler.sampleIndex(step, microBatch, r, microBatchSize, globalBatch));
    }
    return indices;
  }

  /** The pairs' chosen responses, then their rejected ones, padded to the longest: 2B rows. */
  private List<Row> rows(int[] indices) {
    List<Tokenized> sequences = new ArrayList<>();
    for (int i : indices) sequences.add(pairs.get(i).chosen());
    for (int i : indices) sequences.add(pairs.get(i).rejected());
    int length = sequences.stream().mapToInt(Tokenized::length).max().orElseThrow();
    return Row.layOut(sequences, length, false, padToken);
  }

  private int chosenTokens(int[] indices) {
    int count = 0;
    for (int i : indices) count += pairs.get(i).chosen().responseTokens();
    return count;
  }

  /** Sequence log-probabilities of some pairs' chosen (B) and rejected (B) responses, from one forward of 2B rows. */
  private record Responses(NDArray chosen, NDArray rejected) {
    /** @param logProbs (N) log p of the loss targets of {@link #rows} */
    static Responses of(RowBatch batch, NDArray logProbs) {
      NDArray rows = batch.rowLogProbs(logProbs); // (2B)
      long b = rows.getShape().get(0) / 2;
      return new Responses(Ops.slice(rows, 0, 0, b), Ops.slice(rows, 0, b, 2 * b));
    }
  }

  private Reference computeReference(Transformer model, NDManager manager) {
    double[] chosen = new double[pairs.size()];
    double[] rejected = new double[pairs.size()];
    boolean recording = Autograd.recording();
    Autograd.record(false);
    try {
      for (int start = 0; start < pairs.size(); start += microBatchSize) {
        int[] indices = new int[Math.min(microBatchSize, pairs.size() - start)];
        for (int i = 0; i < indices.length; i++) indices[i] = start + i;
        try (NDScope scope = new NDScope()) {
          RowBatch batch = RowBatch.of(rows(indices), manager);
          Responses scored = Responses.of(batch, batch.score(model).logProbs());
          System.arraycopy(TrainingScalars.values(scored.chosen()), 0, chosen, start, indices.length);
          System.arraycopy(TrainingScalars.values(scored.rejected()), 0, rejected, start, indices.length);
        }
      }
    } finally {
      Autograd.record(recording);
    }
    return new Reference(chosen, rejected);
  }

  private static NDArray host(NDManager manager, int[] indices, double[] table, NDArray like) {
    double[] values = new double[indices.length];
    for (int i = 0; i < indices.length; i++) values[i] = table[indices[i]];
    return manager.create(values, new Shape(values.length)).toType(like.getDataType(), false);
  }
}
