package dev.cohort.worker.align;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.cohort.model.Autograd;
import org.junit.jupiter.api.Test;

class DpoLossTest {
  private static final double BETA = 0.5;

  @Test
  void lossRewardsAndGradientsMatchTheHandComputedValues() {
    // Pair 0: the policy prefers chosen more than the reference does (margin +1); pair 1: less (margin -2).
    double[] pc = {-1, -5};
    double[] pr = {-3, -1};
    double[] rc = {-2, -3};
    double[] rr = {-2, -3};
    double[] margin = new double[2];
    double expectedLoss = 0;
    for (int i = 0; i < 2; i++) {
      margin[i] = BETA * ((pc[i] - rc[i]) - (pr[i] - rr[i]));
      expectedLoss += Math.log1p(Math.exp(-margin[i])) / 2;
    }
    assertEquals(1.0, margin[0], 1e-12);
    assertEquals(-2.0, margin[1], 1e-12);
    try (NDManager manager = NDManager.newBaseManager()) {
      NDArray policyChosen = manager.create(pc);
      NDArray policyRejected = manager.create(pr);
      policyChosen.setRequiresGradient(true);
      policyRejected.setRequiresGradient(true);
      Autograd.record(true);
      DpoLoss dpo;
      try {
        dpo = DpoLoss.of(policyChosen, policyRejected, manager.create(rc), manager.create(rr), BETA);
        Autograd.backward(dpo.loss());
      } finally {
        Autograd.record(false);
      }
      assertEquals(expectedLoss, dpo.loss().getDouble(), 1e-12);
      DpoLoss.Stats stats = dpo.stats();
      assertEquals(0.5, stats.accuracy(), 1e-12, "only pair 0 has chosen reward > rejected reward");
      assertEquals((margin[0] + margin[1]) / 2, stats.margin(), 1e-12);
      assertEquals(BETA * ((pc[0] - rc[0]) + (pc[1] - rc[1])) / 2, stats.chosenReward(), 1e-12);

      double[] gradChosen = policyChosen.getGradient().toDoubleArray();
      double[] gradRejected = policyRejected.getGradient().toDoubleArray();
      for (int i = 0; i < 2; i++) {
        // d/d(pc) of mean(-log sigmoid(m)) = -beta * sigmoid(-m) / B: raising the chosen likelihood lowers the loss.
        double expected = -BETA * sigmoid(-margin[i]) / 2;
        assertEquals(expected, gradChosen[i], 1e-12);
        assertEquals(-expected, gradRejected[i], 1e-12);
        assertTrue(gradChosen[i] < 0 && gradRejected[i] > 0);
      }
      assertTrue(gradChosen[1] < gradChosen[0], "the pair the policy gets wrong pulls harder");
    }
  }

  @Test
  void equalPolicyAndReferenceGiveLogTwo() {
    try (NDManager manager = NDManager.newBaseManager()) {
      NDArray chosen = manager.create(new double[] {-7.5, -1.25});
      NDArray rejected = manager.create(new double[] {-3.0, -9.0});
      DpoLoss dpo = DpoLoss.of(chosen, rejected, chosen, rejected, BETA);
      assertEquals(Math.log(2), dpo.loss().getDouble(), 1e-12);
      assertEquals(0, dpo.stats().accuracy(), "a tie is not a win");
    }
  }

  @Test
  void aHugeMarginStaysFinite() {
    try (NDManager manager = NDManager.newBaseManager()) {
      NDArray zero = manager.create(new double[] {0});
      NDArray wrong = DpoLoss.of(manager.create(new double[] {-5000}), zero, zero, zero, 1).loss();
      NDArray right = DpoLoss.of(manager.create(new double[] {5000}), zero, zero, zero, 1).loss();
      assertEquals(5000, wrong.getDouble(), 1e-9);
      assertEquals(0, right.getDouble(), 1e-12);
    }
  }

  private static double sigmoid(double x) {
    return 1 / (1 + Math.exp(-x));
  }
}
