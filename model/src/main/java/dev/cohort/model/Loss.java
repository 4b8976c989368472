package dev.cohort.model;

import ai.djl.ndarray.NDArray;
import dev.cohort.config.MoeConfig;
import java.util.List;

/**
 * The training objective of one micro-batch and its parts.
 *
 * @param total what backward runs on: crossEntropy + auxWeight * sum(balance) + zWeight * sum(z)
 * @param crossEntropy the objective: next-token cross-entropy, masked to responses in SFT, the DPO loss in DPO
 *     (what "loss" means in metrics)
 * @param balance mean load-balancing loss over the MoE layers (0 without MoE layers), unweighted
 * @param z mean router z-loss over the MoE layers, unweighted
 * @param moe each MoE layer's output, in layer order, for expert counts
 */
public record Loss(NDArray total, NDArray crossEntropy, NDArray balance, NDArray z, List<MoeOutput> moe) {

  public static Loss of(NDArray crossEntropy, List<MoeOutput> moe, MoeConfig config) {
    if (moe.isEmpty()) {
      NDArray zero = crossEntropy.zerosLike();
      return new Loss(crossEntropy, crossEntropy, zero, zero, moe);
    }
    NDArray balanceSum = moe.get(0).balanceLoss();
    NDArray zSum = moe.get(0).zLoss();
    for (int i = 1; i < moe.size(); i++) {
      balanceSum = balanceSum.add(moe.get(i).balanceLoss());
      zSum = zSum.add(moe.get(i).zLoss());
    }
    NDArray total = crossEntropy.add(balanceSum.mul(Ops.scalar(balanceSum, config.auxLossWeight())))
        .add(zSum.mul(Ops.scalar(zSum, config.zLossWeight())));
    return new Loss(total, crossEntropy, balanceSum.div(Ops.scalar(balanceSum, moe.size())),
        zSum.div(Ops.scalar(zSum, moe.size())), moe);
  }
}
