package dev.cohort.worker.align;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cohort.config.DpoConfig;
import dev.cohort.data.WindowSampler;
import dev.cohort.model.Autograd;
import dev.cohort.model.Loss;
import dev.cohort.model.MoeOutput;
import dev.cohort.model.Ops;
import dev.cohort.model.Transformer;
import dev.cohort.worker.train.Objective;
import java.util.ArrayList;
import java.util.List;

/**
 * Direct preference optimisation against a frozen reference: the model's weights when this objective is built (the
 * run's recipe.init-from checkpoint). The reference's log-probabilities of every pair are computed once, up front, so
 * the run holds one model and each step costs the policy's forward and backward only.
 */
public final class DpoObjective implements Objective {
  private final List<Pair> pairs;
  private final double[] referenceChosen;
  private final double[] referenceRejected;
  private final DpoConfig config;
  private final int padToken;
  private final EpochOrder order;
  private final int microBatchSize;
  private final int globalBatch;
  private final StepStats stats = new StepStats();

  /** A preference pair as tokens: prompt then response, response tokens flagged, both fitted to a row. */
  public record Pair(Tokenized chosen, Tokenized rejected) {
    public static Pair of(Preference p, ChatTemplate template, int maxTokens) {
      Tokenized prompt = template.render(p.prompt());
      return new Pair(prompt.followedBy(template.turn(Turn.assistant(p.chosen()))).truncatedTo(maxTokens),
          prompt.followedBy(template.turn(Turn.assistant(p.rejected()))).truncatedTo(maxTokens));
    }
  }

  public DpoObjective(List<Pair> pairs, DpoConfig config, int padToken, int microBatchSize, int globalBatch, long seed,
      Transformer reference, NDManager manager) {
    this.pairs = List.copyOf(pairs);
    this.config = config;
    this.padToken = padToken;
    this.order = new EpochOrder(pairs.size(), seed);
    this.microBatchSize = microBatchSize;
    this.globalBatch = globalBatch;
    this.referenceChosen = new double[pairs.size()];
    this.referenceRejected = new double[pairs.size()];
    computeReference(reference, manager);
  }

  @Override
  public Loss loss(Transformer model, NDManager manager, long step, int microBatch) {
    int[] indices = new int[microBatchSize];
    for (int r = 0; r < microBatchSize; r++) {
      indices[r] = order.item(WindowSampler.sampleIndex(step, microBatch, r, microBatchSize, globalBatch));
    }
    Scored policy = score(model, manager, indices);
    NDArray refChosen = host(manager, indices, referenceChosen, policy.chosen());
    NDArray refRejected = host(manager, indices, referenceRejected, policy.rejected());
    DpoLoss dpo = DpoLoss.of(policy.chosen(), policy.rejected(), refChosen, refRejected, config.beta());
    // The RPO term: mean negative log-likelihood per chosen response token.
    NDArray nll = policy.chosen().sum().neg().div(Ops.scalar(refChosen, policy.chosenTokens()));
    NDArray objective = dpo.loss().add(nll.mul(Ops.scalar(nll, config.sftWeight())));
    stats.add(dpo.stats(), TrainingScalars.of(nll));
    return Loss.of(objective, policy.moe(), model.config().moe());
  }

  @Override
  public void report(ObjectNode line) {
    stats.report(line);
  }

  /** Policy scores of some pairs: chosen (B) and rejected (B) sequence log-probabilities from one forward. */
  private record Scored(NDArray chosen, NDArray rejected, int chosenTokens, List<MoeOutput> moe) {}

  private Scored score(Transformer model, NDManager manager, int[] indices) {
    List<Tokenized> sequences = new ArrayList<>();
    for (int i : indices) sequences.add(pairs.get(i).chosen());
    int chosenTokens = sequences.stream().mapToInt(Tokenized::responseTokens).sum();
    for (int i : indices) sequences.add(pairs.get(i).rejected());
    int length = sequences.stream().mapToInt(Tokenized::length).max().orElseThrow();
    RowBatch batch = RowBatch.of(Row.layOut(sequences, length, false, padToken), manager); // (2B, T)
    RowBatch.Scored scored = batch.score(model);
    NDArray logProbs = batch.rowLogProbs(scored.logProbs()); // (2B)
    int b = indices.length;
    return new Scored(Ops.slice(logProbs, 0, 0, b), Ops.slice(logProbs, 0, b, 2L * b), chosenTokens, scored.moe());
  }

  private void computeReference(Transformer reference, NDManager manager) {
    boolean recording = Autograd.recording();
    Autograd.record(false);
    try {
      for (int start = 0; start < pairs.size(); start += microBatchSize) {
        int[] indices = new int[Math.min(microBatchSize, pairs.size() - start)];
        for (int i = 0; i < indices.length; i++) indices[i] = start + i;
        try (NDScope scope = new NDScope()) {
          Scored s = score(reference, manager, indices);
          double[] chosen = TrainingScalars.values(s.chosen());
          double[] rejected = TrainingScalars.values(s.rejected());
          for (int i = 0; i < indices.length; i++) {
            referenceChosen[start + i] = chosen[i];
            referenceRejected[start + i] = rejected[i];
          }
        }
      }
    } finally {
      Autograd.record(recording);
    }
  }

  private static NDArray host(NDManager manager, int[] indices, double[] table, NDArray like) {
    double[] values = new double[indices.length];
    for (int i = 0; i < indices.length; i++) values[i] = table[indices[i]];
    return manager.create(values, new Shape(values.length)).toType(like.getDataType(), false);
  }

  /** Means over the micro-batches since the last report. */
  private static final class StepStats {
    private double loss;
    private double chosen;
    private double rejected;
    private double accuracy;
    private double nll;
    private int count;

    void add(DpoLoss.Stats s, double chosenNll) {
      loss += s.loss();
      chosen += s.chosenReward();
      rejected += s.rejectedReward();
      accuracy += s.accuracy();
      nll += chosenNll;
      count++;
    }

    void report(ObjectNode line) {
      if (count == 0) return;
      line.put("dpo_loss", loss / count);
      line.put("chosen_nll", nll / count);
      line.put("reward_chosen", chosen / count);
      line.put("reward_rejected", rejected / count);
      line.put("reward_margin", (chosen - rejected) / count);
      line.put("reward_accuracy", accuracy / count);
      loss = chosen = rejected = accuracy = nll = 0;
      count = 0;
    }
  }
}
