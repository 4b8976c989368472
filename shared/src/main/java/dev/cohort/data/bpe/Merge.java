package dev.cohort.data.bpe;

/**
 * One learned merge: tokens {@code left} and {@code right}, side by side, become token {@code result}. Its rank is
 * its place in the merge list: lower ranks are applied first when encoding.
 */
public record Merge(int left, int right, int result) {
  /** Two token ids as one map key, ordered as (left, right). */
  static long pair(int left, int right) {
    return ((long) left << Integer.SIZE) | (right & 0xffffffffL);
  }
}
