package dev.cohort.worker.stage;

import dev.cohort.tensor.HostTensor;
import java.util.Map;

/**
 * One worker's part of a sharded checkpoint, copied to host memory.
 *
 * @param suffix names its files (model-SUFFIX.safetensors, optimizer-SUFFIX.safetensors), unique in the placement
 * @param model the parameters it owns, by global name
 * @param moments their AdamW moments, exp_avg.NAME and exp_avg_sq.NAME
 * @param optimizerSteps AdamW updates applied so far
 * @param snapshotMs how long taking the copy paused the engine
 */
public record Shard(String suffix, Map<String, HostTensor> model, Map<String, HostTensor> moments,
    long optimizerSteps, double snapshotMs) {

  public boolean isEmpty() {
    return model.isEmpty();
  }
}
