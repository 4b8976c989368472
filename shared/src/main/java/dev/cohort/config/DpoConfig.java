package dev.cohort.config;

/**
 * Direct preference optimisation (Rafailov et al., 2023): loss = -log sigmoid(beta * (policy - reference log-ratio
 * of chosen over rejected)) + sftWeight * NLL(chosen response tokens).
 *
 * @param beta how far the policy may move from the reference (larger: the loss saturates sooner)
 * @param sftWeight weight of the per-token negative log-likelihood of the chosen response, the "RPO" regulariser
 *     (Pang et al., 2024) that keeps chosen likelihoods from falling; 0 disables it
 */
public record DpoConfig(double beta, double sftWeight) {
  void validate(String path) {
    Check.positive(path + ".beta", beta);
    Check.nonNegative(path + ".sft-weight", sftWeight);
  }
}
