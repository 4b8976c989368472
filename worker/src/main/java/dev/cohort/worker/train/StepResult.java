package dev.cohort.worker.train;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cohort.run.MetricsLog;

/**
 * What one optimizer step measured.
 *
 * @param loss mean next-token cross-entropy over the step's micro-batches
 * @param auxLoss mean load-balancing loss over MoE layers and micro-batches (1 = balanced), unweighted
 * @param zLoss mean router z-loss, unweighted
 * @param gradNorm global gradient norm before clipping
 * @param lr learning rate applied
 * @param skipped the gradient was not finite, so the optimizer left the weights unchanged
 * @param expertTokens per MoE layer, slots routed to each expert over the whole step
 * @param droppedTokens per MoE layer, slots dropped for capacity over the whole step
 * @param routerEntropy per MoE layer, the router's mean entropy per token (nats), averaged over the micro-batches
 * @param tokens token ids fed to the model over the step's micro-batches (rows x length)
 * @param objectiveFigures the objective's figures (ObjectiveFigures), summed over the step's micro-batches
 */
public record StepResult(
    long step,
    double loss,
    double auxLoss,
    double zLoss,
    double gradNorm,
    double lr,
    boolean skipped,
    int[][] expertTokens,
    int[] droppedTokens,
    double[] routerEntropy,
    long tokens,
    double[] objectiveFigures,
    double forwardMs,
    double backwardMs,
    double optimizerMs) {

  /** This step's metrics.jsonl line: the fields every run writes, plus its forward/backward/optimizer split. */
  public ObjectNode metricsLine(double stepMs, double tokensPerSecond) {
    ObjectNode line = MetricsLog.line(step, loss, auxLoss, zLoss, lr, gradNorm, skipped, tokensPerSecond, stepMs,
        expertTokens, droppedTokens, routerEntropy);
    line.put("forward_ms", forwardMs);
    line.put("backward_ms", backwardMs);
    line.put("optimizer_ms", optimizerMs);
    return line;
  }
}
