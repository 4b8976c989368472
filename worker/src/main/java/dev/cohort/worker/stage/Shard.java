package dev.cohort.worker.stage;

import dev.cohort.tensor.TensorSource;
import java.util.Map;

/**
 * One worker's part of a sharded checkpoint: its engine's arrays, read as they are written.
 *
 * @param suffix names its files (model-SUFFIX.safetensors, optimizer-SUFFIX.safetensors), unique in the placement
 * @param model the parameters it owns, by global name
 * @param moments their AdamW moments, exp_avg.NAME and exp_avg_sq.NAME
 * @param optimizerSteps AdamW updates applied so far
 */
public record Shard(String suffix, Map<String, TensorSource> model, Map<String, TensorSource> moments,
    long optimizerSteps) {

  public boolean isEmpty() {
    return model.isEmpty();
  }
}
