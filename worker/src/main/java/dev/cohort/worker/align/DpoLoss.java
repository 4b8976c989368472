package dev.cohort.worker.align;

import ai.djl.ndarray.NDArray;
import dev.cohort.model.Ops;

/**
 * The DPO loss of a batch of preference pairs (Rafailov et al., 2023, eq. 7): with the implicit rewards
 * r = beta * (log pi(y|x) - log pi_ref(y|x)), loss = mean(-log sigmoid(r_chosen - r_rejected)).
 *
 * @param loss the scalar loss
 * @param chosenRewards (B) implicit rewards of the chosen responses
 * @param rejectedRewards (B) implicit rewards of the rejected responses
 */
public record DpoLoss(NDArray loss, NDArray chosenRewards, NDArray rejectedRewards) {

  /** Every argument (B): sequence log-probabilities of the responses under the policy and the reference. */
  public static DpoLoss of(NDArray policyChosen, NDArray policyRejected, NDArray referenceChosen,
      NDArray referenceRejected, double beta) {
    NDArray chosen = policyChosen.sub(referenceChosen).mul(Ops.scalar(policyChosen, beta));
    NDArray rejected = policyRejected.sub(referenceRejected).mul(Ops.scalar(policyRejected, beta));
    return new DpoLoss(softplus(rejected.sub(chosen)).mean(), chosen, rejected);
  }

  /** log(1 + e^x) = -log sigmoid(-x), as a log-sum-exp of (0, x) so large |x| neither overflows nor loses grads. */
  static NDArray softplus(NDArray x) {
    return Ops.logSumExp(x.zerosLike().stack(x, -1), -1);
  }

  /** Host-side figures for the metrics line. */
  public record Stats(double loss, double chosenReward, double rejectedReward, double margin, double accuracy) {}

  public Stats stats() {
    double[] c = TrainingScalars.values(chosenRewards);
    double[] r = TrainingScalars.values(rejectedRewards);
    double sumC = 0;
    double sumR = 0;
    int wins = 0;
    for (int i = 0; i < c.length; i++) {
      sumC += c[i];
      sumR += r[i];
      if (c[i] > r[i]) wins++;
    }
    int b = c.length;
    return new Stats(TrainingScalars.of(loss), sumC / b, sumR / b, (sumC - sumR) / b, (double) wins / b);
  }
}
