package dev.cohort.model;

import ai.djl.ndarray.NDArray;

/** Keys and values of the positions already generated, for one attention layer: (B, kvHeads, S, hd) each. */
public final class KvCache {
  private NDArray keys;
  private NDArray values;

  /** Appends this step's keys and values and returns everything cached so far, (B, kvHeads, S + T, hd) each. */
  NDArray[] append(NDArray k, NDArray v) {
    keys = keys == null ? k : keys.concat(k, 2);
    values = values == null ? v : values.concat(v, 2);
    return new NDArray[] {keys, values};
  }

  /** Positions cached so far: where the next token's rotary position starts. */
  public long length() {
    return keys == null ? 0 : keys.getShape().get(2);
  }
}
