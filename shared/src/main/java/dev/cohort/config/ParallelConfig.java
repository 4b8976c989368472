package dev.cohort.config;

/**
 * How the model is spread over workers (Megatron / DeepSpeed-MoE terms).
 *
 * @param pp pipeline stages: the layers are cut into this many consecutive slices
 * @param dp data-parallel replicas of every stage
 * @param ep expert parallelism: the experts of each MoE layer are spread over this many of a stage's replicas
 * @param schedule pipeline schedule, "gpipe" or "1f1b"
 */
public record ParallelConfig(int pp, int dp, int ep, String schedule) {
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
  }
}
