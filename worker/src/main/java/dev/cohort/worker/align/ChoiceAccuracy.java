package dev.cohort.worker.align;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import dev.cohort.model.Autograd;
import dev.cohort.model.Transformer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Multiple-choice accuracy: the model picks the candidate response with the highest log-likelihood (summed over its
 * tokens, end-of-text included, as lm-evaluation-harness's "acc"), given the prompt rendered by the chat template.
 */
public final class ChoiceAccuracy {
  /** Candidate rows per forward. */
  private static final int ROWS_PER_FORWARD = 32;

  private ChoiceAccuracy() {}

  /**
   * @param correct questions answered right
   * @param questions questions asked
   * @param predicted how often each candidate was picked (a model that always answers the same shows here)
   */
  public record Result(int correct, int questions, Map<String, Integer> predicted) {
    public double accuracy() {
      return (double) correct / questions;
    }
  }

  public static Result measure(Transformer model, NDManager manager, ChatTemplate template, List<Choice> questions,
      int maxTokens) {
    List<Tokenized> rows = new ArrayList<>();
    for (Choice q : questions) {
      Tokenized prompt = template.render(q.prompt());
      for (String c : q.candidates()) {
        rows.add(prompt.followedBy(template.turn(Turn.assistant(c))).truncatedTo(maxTokens));
      }
    }
    double[] scores = scores(model, manager, rows, template.tokenizer().endOfText());
    int correct = 0;
    int next = 0;
    Map<String, Integer> predicted = new TreeMap<>();
    for (Choice q : questions) {
      int best = 0;
      for (int i = 1; i < q.candidates().size(); i++) if (scores[next + i] > scores[next + best]) best = i;
      next += q.candidates().size();
      String pick = q.candidates().get(best); // the first of equals
      predicted.merge(pick, 1, Integer::sum);
      if (pick.equals(q.answer())) correct++;
    }
    return new Result(correct, questions.size(), predicted);
  }

  /** Sum of log p over each row's response tokens, rows batched without recording a graph. */
  static double[] scores(Transformer model, NDManager manager, List<Tokenized> rows, int padToken) {
    boolean recording = Autograd.recording();
    Autograd.record(false);
    try {
      double[] scores = new double[rows.size()];
      for (int start = 0; start < rows.size(); start += ROWS_PER_FORWARD) {
        List<Tokenized> part = rows.subList(start, Math.min(rows.size(), start + ROWS_PER_FORWARD));
        int length = part.stream().mapToInt(Tokenized::length).max().orElseThrow();
        try (NDScope scope = new NDScope()) {
          RowBatch batch = RowBatch.of(Row.layOut(part, length, false, padToken), manager);
          double[] values = TrainingScalars.values(batch.rowLogProbs(batch.score(model).logProbs()));
          System.arraycopy(values, 0, scores, start, values.length);
        }
      }
      return scores;
    } finally {
      Autograd.record(recording);
    }
  }
}
