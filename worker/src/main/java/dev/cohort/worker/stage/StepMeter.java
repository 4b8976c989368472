package dev.cohort.worker.stage;

import dev.cohort.model.MoeOutput;
import dev.cohort.protocol.CoordinatorProtocol.StepReport;
import java.util.List;

/** Sums and timings of one worker's step, turned into the report the coordinator adds up. */
final class StepMeter {
  double crossEntropySum;
  double balanceSum;
  double zSum;
  long forwardNs;
  long backwardNs;
  long commNs;
  long idleNs;
  private int[][] expertTokens = new int[0][];
  private int[] dropped = new int[0];

  void addRouting(List<MoeOutput> moe, double balance, double z) {
    balanceSum += balance;
    zSum += z;
    if (expertTokens.length == 0) {
      expertTokens = new int[moe.size()][];
      dropped = new int[moe.size()];
    }
    for (int layer = 0; layer < moe.size(); layer++) {
      int[] counts = moe.get(layer).tokensPerExpert();
      if (expertTokens[layer] == null) expertTokens[layer] = new int[counts.length];
      for (int e = 0; e < counts.length; e++) expertTokens[layer][e] += counts[e];
      dropped[layer] += moe.get(layer).dropped();
    }
  }

  StepReport report(double gradNormSquared, int stage, int replica) {
    return new StepReport(gradNormSquared, crossEntropySum, balanceSum, zSum, stage, replica, expertTokens, dropped,
        forwardNs / 1e6, backwardNs / 1e6, commNs / 1e6, idleNs / 1e6);
  }
}
