package dev.cohort.placement;

import java.util.List;

/**
 * What one worker does. The dp replicas of a stage form dp/ep expert-parallel groups of ep consecutive replicas;
 * inside a group, rank j owns the experts [j*E/ep, (j+1)*E/ep) of every MoE layer of the stage.
 *
 * @param stage pipeline stage held
 * @param replica data-parallel replica index within the stage, 0..dp-1
 * @param epGroup expert-parallel group within the stage, replica / ep
 * @param epRank rank inside that group, replica % ep
 * @param experts routed experts owned in each MoE layer of the stage (the same ids for every such layer); empty
 *     when the stage has no MoE layer
 */
public record Role(int stage, int replica, int epGroup, int epRank, List<Integer> experts) {
  public Role {
    experts = List.copyOf(experts);
  }

  public boolean ownsExpert(int expertId) {
    return experts.contains(expertId);
  }
}
