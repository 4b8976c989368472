package dev.cohort.config;

/**
 * @param every write a checkpoint every this many optimizer steps (0: only at the end)
 * @param keep how many complete checkpoints to keep; older ones are deleted
 * @param maxConsecutiveFailures a distributed run skips a checkpoint that cannot be written (a full disk, an I/O
 *     error) and trains on; this many failed in a row end it, since days of training without a checkpoint are worse
 *     than stopping
 */
public record CheckpointConfig(int every, int keep, int maxConsecutiveFailures) {
  void validate(String path) {
    Check.nonNegative(path + ".every", every);
    Check.positive(path + ".keep", keep);
    Check.positive(path + ".max-consecutive-failures", maxConsecutiveFailures);
  }
}
