package dev.cohort.worker.align;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.cohort.config.CohortConfig;
import dev.cohort.data.Tokenizer;
import dev.cohort.model.Parameters;
import dev.cohort.model.Transformer;
import dev.cohort.model.layout.ModelLayout;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class SftLossMaskTest {
  private static final int PAD = 0;

  private static ChatTemplate template() {
    return new ChatTemplate(CohortConfig.defaults().recipe().template(), Tokenizer.named("gpt2"));
  }

  @Test
  void theLossMaskCoversExactlyTheResponseTokensAndTheEndOfText() {
    ChatTemplate template = template();
    Tokenizer gpt2 = template.tokenizer();
    Tokenized example = template.render(List.of(Turn.user("Which genre?"), Turn.assistant("news")));
    int[] prompt = gpt2.encode("[INST] Which genre? [/INST]");
    int[] response = gpt2.encode(" news");
    assertEquals(prompt.length + response.length + 1, example.length());
    assertEquals(response.length + 1, example.responseTokens(), "response tokens and end-of-text");

    Row row = Row.layOut(List.of(example), 32, false, PAD).get(0);
    assertEquals(example.responseTokens(), row.lossTokens());
    for (int t = 0; t < row.length(); t++) {
      boolean targetIsResponse = t + 1 < example.length() && example.response()[t + 1];
      assertEquals(targetIsResponse ? 1f : 0f, row.lossMask()[t], "position " + t);
    }
    assertEquals(gpt2.endOfText(), row.targets()[example.length() - 2], "the last trained target is end-of-text");
  }

  @Test
  void everyAssistantTurnOfAConversationCarriesLossAndNoOtherTurnDoes() {
    ChatTemplate template = template();
    List<Turn> turns = List.of(new Turn(Turn.SYSTEM, "Be brief."), Turn.user("Hi"), Turn.assistant("Hello"),
        Turn.user("Genre?"), Turn.assistant("news"));
    Tokenized example = template.render(turns);
    int expected = 0;
    for (Turn t : turns) if (t.role().equals(Turn.ASSISTANT)) expected += template.turn(t).length();
    assertEquals(expected, example.responseTokens());
    assertEquals(expected, Row.layOut(List.of(example), 64, false, PAD).get(0).lossTokens());
  }

  @Test
  void packingFillsRowsInOrderAndNeverTrainsOneExampleToPredictTheNext() {
    Tokenized a = example(new int[] {11, 12, 13}, 2); // prompt 11, response 12 13
    Tokenized b = example(new int[] {21, 22, 23, 24}, 2);
    Tokenized c = example(new int[] {31, 32, 33}, 2);
    List<Row> rows = Row.layOut(List.of(a, b, c), 8, true, PAD);

    assertEquals(2, rows.size(), "a and b share a row, c does not fit after them");
    assertArrayEquals(new long[] {11, 12, 13, 21, 22, 23, 24, PAD}, rows.get(0).tokens());
    assertArrayEquals(new long[] {12, 13, PAD, 22, 23, 24, PAD, PAD}, rows.get(0).targets());
    assertArrayEquals(new float[] {1, 1, 0, 0, 1, 1, 0, 0}, rows.get(0).lossMask());
    assertArrayEquals(new long[] {31, 32, 33, PAD, PAD, PAD, PAD, PAD}, rows.get(1).tokens());
    assertArrayEquals(new float[] {1, 1, 0, 0, 0, 0, 0, 0}, rows.get(1).lossMask());
    assertEquals(a.responseTokens() + b.responseTokens() + c.responseTokens(),
        rows.stream().mapToInt(Row::lossTokens).sum());

    assertEquals(3, Row.layOut(List.of(a, b, c), 8, false, PAD).size(), "without packing: a row each");
  }

  @Test
  void anExampleLongerThanARowLosesTheStartOfItsPromptNotItsResponse() {
    Tokenized long_ = example(new int[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 7);
    Row row = Row.layOut(List.of(long_), 5, true, PAD).get(0);
    assertArrayEquals(new long[] {6, 7, 8, 9, 10}, row.tokens());
    assertEquals(4, row.lossTokens(), "every response token but the first position is predicted");
  }

  @Test
  void theMaskedLossIsTheMeanNegativeLogLikelihoodOfExactlyTheMaskedTargets() {
    CohortConfig config = CohortConfig.load(Path.of("../conf/model/tiny.conf"), List.of());
    List<Row> rows = Row.layOut(List.of(example(new int[] {5, 6, 7, 8}, 2), example(new int[] {9, 10, 11}, 1),
        example(new int[] {12, 13, 14, 15, 16}, 3)), 8, true, PAD); // rows [5..8, 9..11], [12..16]
    try (NDManager manager = NDManager.newBaseManager()) {
      Parameters params = Parameters.initialize(ModelLayout.of(config.model()), 3, manager, DataType.FLOAT64);
      Transformer model = new Transformer(config.model(), params, manager);
      RowBatch batch = RowBatch.of(rows, manager);
      NDArray logProbs = batch.score(model).logProbs();

      // By hand: every position's full log-softmax, then the masked targets' mean negative log-likelihood.
      double[][][] full = logSoftmax(model.forward(batch.tokens(), null).logits());
      double sum = 0;
      double[] perRow = new double[rows.size()];
      for (int r = 0; r < rows.size(); r++) {
        for (int t = 0; t < 8; t++) {
          if (rows.get(r).lossMask()[t] == 0) continue;
          double lp = full[r][t][(int) rows.get(r).targets()[t]];
          sum += lp;
          perRow[r] += lp;
        }
      }
      assertEquals(6, batch.lossTokens(), "every response token, each predicted from the token before it");
      assertEquals(-sum / 6, batch.maskedCrossEntropy(logProbs).getDouble(), 1e-10);
      assertArrayEquals(perRow, batch.rowLogProbs(logProbs).toDoubleArray(), 1e-10);
    }
  }

  /** Tokens with the last {@code responseLength} flagged as response. */
  static Tokenized example(int[] tokens, int responseLength) {
    boolean[] response = new boolean[tokens.length];
    for (int i = tokens.length - responseLength; i < tokens.length; i++) response[i] = true;
    return new Tokenized(tokens, response);
  }

  /** logits (B, T, V) -> log-softmax over V, computed on the host. */
  private static double[][][] logSoftmax(NDArray logits) {
    long[] shape = logits.getShape().getShape();
    double[] flat = logits.toDoubleArray();
    int b = (int) shape[0];
    int t = (int) shape[1];
    int v = (int) shape[2];
    double[][][] out = new double[b][t][v];
    for (int i = 0; i < b; i++) {
      for (int j = 0; j < t; j++) {
        double sum = 0;
        for (int k = 0; k < v; k++) sum += Math.exp(flat[(i * t + j) * v + k]);
        for (int k = 0; k < v; k++) out[i][j][k] = flat[(i * t + j) * v + k] - Math.log(sum);
      }
    }
    return out;
  }
}
