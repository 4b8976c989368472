package dev.cohort.coordinator;

/** What the coordinator does once a step is done and written to metrics.jsonl. */
enum AfterStep {
  /** Start the next step on the same placement. */
  NEXT_STEP,
  /** The run reached train.steps: let pending checkpoints commit, then end it. */
  FINISH,
  /** A checkpoint was just taken and more workers are usable than placed: let it commit, then replan on them. */
  GROW;

  /**
   * @param done steps done, counting this one
   * @param checkpointTaken whether a checkpoint of {@code done} was just begun
   * @param canGrow whether the configured layout can use more workers than the current placement has
   */
  static AfterStep of(long done, long steps, boolean checkpointTaken, boolean canGrow) {
    if (done >= steps) return FINISH;
    return checkpointTaken && canGrow ? GROW : NEXT_STEP;
  }
}
