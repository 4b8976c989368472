package dev.cohort.config;

/**
 * How the model is spread over workers (Megatron / DeepSpeed-MoE terms).
 *
 * @param pp pipeline stages: the layers are cut into this many consecutive slices
 * @param dp data-parallel replicas of every stage
 * @param ep expert parallelism: the experts of each MoE layer are spread over this many of a stage's replicas
 * @param schedule pipeline schedule, "gpipe" or "1f1b"
 * @param zero sharding of the optimizer over data-parallel replicas, as DeepSpeed's ZeRO stages: 0 every replica
 *     holds every parameter's AdamW moments and updates it; 1 each parameter's moments live on one replica of its
 *     data-parallel group (its owner, balanced by bytes), which updates it and sends the new values to the others;
 *     2 as 1, and the gradients are reduce-scattered to the owners instead of all-reduced. Expert parameters shard
 *     over the replicas holding the same experts. Checkpoints are the same whatever the level.
 */
public record ParallelConfig(int pp, int dp, int ep, String schedule, int zero) {
  /** The highest {@link #zero} level: ZeRO-3's sharded parameters are not built. */
  public static final int MAX_ZERO = 2;

  public int workers() {
    return pp * dp;
  }

  void validate(String path) {
    Check.positive(path + ".pp", pp);
    Check.positive(path + ".dp", dp);
    Check.positive(path + ".ep", ep);
    Check.that(dp % ep == 0, path + ".ep", "must divide dp=" + dp + " (experts are spread over a stage's replicas), got " + ep);
    Check.that(schedule.equals("gpipe") || schedule.equals("1f1b"), path + ".schedule",
        "must be gpipe or 1f1b, got '" + schedule + "'");
    Check.that(zero >= 0 && zero <= MAX_ZERO, path + ".zero",
        "must be 0, 1 or 2 (3, sharded parameters, is not built), got " + zero);
  }
}
