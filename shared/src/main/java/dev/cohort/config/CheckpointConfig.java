package dev.cohort.config;

/**
 * @param every write a checkpoint every this many optimizer steps (0: only at the end)
 * @param keep how many complete checkpoints to keep; older ones are deleted
 */
public record CheckpointConfig(int every, int keep) {
  void validate(String path) {
    Check.nonNegative(path + ".every", every);
    Check.positive(path + ".keep", keep);
  }
}
