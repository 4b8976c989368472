package dev.cohort.metrics;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;

/** Checkpoint writes of this process: how long the last took, how many, and how old the newest is. */
public final class CheckpointMetrics {
  private static final Gauge DURATION = Gauge.builder().name("cohort_checkpoint_duration_seconds")
      .help("Time to write and commit the last checkpoint").register();
  private static final Gauge LAST = Gauge.builder().name("cohort_checkpoint_last_timestamp_seconds")
      .help("Unix time the last checkpoint was committed").register();
  private static final Counter WRITTEN = Counter.builder().name("cohort_checkpoints_written_total")
      .help("Checkpoints committed").register();
  private static final Counter FAILED = Counter.builder().name("cohort_checkpoint_failures_total")
      .help("Checkpoints abandoned because a shard or the staging directory could not be written").register();
  private static volatile long lastCommitMillis;

  static {
    DURATION.set(Double.NaN); // none written yet: a gap on a graph, not an instant checkpoint at 1970
    LAST.set(Double.NaN);
    GaugeWithCallback.builder().name("cohort_checkpoint_age_seconds")
        .help("Seconds since the last checkpoint was committed (NaN before the first)")
        .callback(cb -> cb.call(lastCommitMillis == 0 ? Double.NaN
            : (System.currentTimeMillis() - lastCommitMillis) / 1e3))
        .register();
  }

  private CheckpointMetrics() {}

  /** A checkpoint was committed, {@code nanos} after it was begun. */
  public static void committed(long nanos) {
    lastCommitMillis = System.currentTimeMillis();
    DURATION.set(nanos / 1e9);
    LAST.set(lastCommitMillis / 1e3);
    WRITTEN.inc();
  }

  /** A checkpoint could not be written and was abandoned. */
  public static void failed() {
    FAILED.inc();
  }

  /** Registers the families now, so a node exports them (at zero) before its first checkpoint. */
  public static void register() {
    // Loading the class registered them.
  }
}
