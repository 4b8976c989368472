package dev.cohort.protocol;

import dev.cohort.metrics.ObjectiveFigures;
import dev.cohort.protocol.CoordinatorProtocol.StepReport;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A whole step from its workers' reports: the same quantities a single worker computes, as sums over workers
 * divided the same way (loss per micro-batch, router losses per MoE layer and micro-batch).
 *
 * @param expertTokens per MoE layer of the whole model (stages in order), tokens routed to each expert
 * @param routerEntropy per MoE layer of the whole model, the router's mean entropy per token over the micro-batches
 * @param tokens token ids the step fed the model
 * @param objectiveFigures the objective's figures (ObjectiveFigures), summed over the step's micro-batches
 * @param routerBiases the routers' balancing biases the step routed with, stages in order, layer-major (each MoE
 *     layer's experts in turn); empty without bias balancing
 */
public record StepSummary(double loss, double auxLoss, double zLoss, double gradNorm, int[][] expertTokens,
    int[] droppedTokens, double[] routerEntropy, long tokens, double[] objectiveFigures, double[] routerBiases) {

  public static StepSummary of(List<StepReport> reports, int microBatches, int moeLayers) {
    double crossEntropy = 0;
    double balance = 0;
    double z = 0;
    double normSquared = 0;
    long fed = 0;
    double[] figures = new double[0];
    for (StepReport r : reports) {
      fed += r.tokens();
      figures = ObjectiveFigures.add(figures, r.objectiveSums());
      crossEntropy += r.crossEntropySum();
      balance += r.balanceSum();
      z += r.zSum();
      normSquared += r.gradNormSquared();
    }
    int routedLayers = Math.max(1, moeLayers) * microBatches;
    List<int[]> tokens = new ArrayList<>();
    List<Integer> dropped = new ArrayList<>();
    List<Double> entropy = new ArrayList<>();
    List<Double> biases = new ArrayList<>();
    List<StepReport> byStage = reports.stream().sorted(Comparator.comparingInt(StepReport::stage)).toList();
    int stage = -1;
    int firstLayerOfStage = 0;
    for (StepReport r : byStage) {
      if (r.stage() != stage) {
        stage = r.stage();
        firstLayerOfStage = tokens.size();
        for (double b : r.routerBiases()) biases.add(b); // every replica of a stage holds the same biases
        for (int[] counts : r.expertTokens()) {
          tokens.add(new int[counts.length]);
          dropped.add(0);
          entropy.add(0.0);
        }
      }
      for (int layer = 0; layer < r.expertTokens().length; layer++) {
        int[] sum = tokens.get(firstLayerOfStage + layer);
        for (int e = 0; e < sum.length; e++) sum[e] += r.expertTokens()[layer][e];
        dropped.set(firstLayerOfStage + layer, dropped.get(firstLayerOfStage + layer) + r.droppedTokens()[layer]);
        // Every micro-batch passes each stage once, on one of its replicas: their sums add up to the step's.
        entropy.set(firstLayerOfStage + layer,
            entropy.get(firstLayerOfStage + layer) + r.routerEntropySums()[layer] / microBatches);
      }
    }
    return new StepSummary(crossEntropy / microBatches, balance / routedLayers, z / routedLayers,
        Math.sqrt(normSquared), tokens.toArray(int[][]::new), dropped.stream().mapToInt(Integer::intValue).toArray(),
        entropy.stream().mapToDouble(Double::doubleValue).toArray(), fed, figures,
        biases.stream().mapToDouble(Double::doubleValue).toArray());
  }
}
