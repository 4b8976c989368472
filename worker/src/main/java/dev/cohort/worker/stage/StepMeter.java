package dev.cohort.worker.stage;

import dev.cohort.metrics.ObjectiveFigures;
import dev.cohort.model.ExpertLoad;
import dev.cohort.model.MoeOutput;
import dev.cohort.protocol.CoordinatorProtocol.StepReport;
import dev.cohort.worker.bench.ProcessMemory;
import java.util.List;

/** Sums and timings of one worker's step, turned into the report the coordinator adds up. */
final class StepMeter {
  double crossEntropySum;
  double balanceSum;
  double zSum;
  long tokens;
  private double[] objectiveSums = new double[0];
  long forwardNs;
  long backwardNs;
  long commNs;
  long idleNs;
  private final ExpertLoad load = new ExpertLoad();

  void addRouting(List<MoeOutput> moe, double balance, double z) {
    balanceSum += balance;
    zSum += z;
    load.add(moe);
  }

  void addObjective(double loss, double[] figures) {
    crossEntropySum += loss;
    objectiveSums = ObjectiveFigures.add(objectiveSums, figures);
  }

  /**
   * @param deviceMemoryBytes the GPU's used bytes after the step, -1 on the CPU
   * @param routerBiases the biases the stage routed with, layer-major
   * @param stateBytes the weights, gradients and AdamW moments the worker holds
   */
  StepReport report(double gradNormSquared, int stage, int replica, long deviceMemoryBytes, double[] routerBiases,
      long stateBytes) {
    return new StepReport(gradNormSquared, crossEntropySum, balanceSum, zSum, stage, replica, load.tokens(),
        load.dropped(), load.entropySums(), forwardNs / 1e6, backwardNs / 1e6, commNs / 1e6, idleNs / 1e6,
        tokens, objectiveSums, deviceMemoryBytes, routerBiases, ProcessMemory.peakResidentBytes(), stateBytes);
  }
}
