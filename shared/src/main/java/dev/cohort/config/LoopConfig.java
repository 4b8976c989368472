package dev.cohort.config;

/**
 * Looped (weight-tied) layers, recurrent depth as in Universal Transformers and "looped transformers": the block of
 * decoder layers [start, end) runs {@code times} times in a row in every forward, with the same weights each pass.
 * Depth grows, the parameter count does not. times = 1 (the default) is a plain stack.
 *
 * @param start first layer of the looped block (0-based)
 * @param end one past the block's last layer
 * @param times passes through the block per forward (>= 1)
 */
public record LoopConfig(int start, int end, int times) {
  public boolean looped() {
    return times > 1;
  }

  /** Layers executed per forward: the stack with the block repeated. */
  public int effectiveDepth(int numLayers) {
    return numLayers + (looped() ? (times - 1) * (end - start) : 0);
  }

  /**
   * The layer indices in the order a forward runs them: 0..start-1, then [start, end) {@code times} times, then
   * end..numLayers-1.
   */
  public int[] schedule(int numLayers) {
    int loopStart = looped() ? start : numLayers;
    int loopEnd = looped() ? end : numLayers;
    int[] order = new int[effectiveDepth(numLayers)];
    int next = 0;
    for (int i = 0; i < loopStart; i++) order[next++] = i;
    for (int pass = 0; pass < Math.max(1, times); pass++) {
      for (int i = loopStart; i < loopEnd; i++) order[next++] = i;
    }
    for (int i = loopEnd; i < numLayers; i++) order[next++] = i;
    return order;
  }

  void validate(String path, int numLayers) {
    Check.positive(path + ".times", times);
    if (!looped()) return;
    Check.that(start >= 0 && start < end && end <= numLayers, path,
        "needs 0 <= start < end <= num-layers=" + numLayers + ", got start=" + start + ", end=" + end);
  }
}
