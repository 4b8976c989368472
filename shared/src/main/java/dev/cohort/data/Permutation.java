package dev.cohort.data;

/**
 * A keyed pseudo-random permutation of [0, n) computed pointwise in O(1) memory, so that any process can
 * ask where position i goes without building or sharing a shuffled array.
 *
 * <p>A balanced Feistel network permutes [0, 2^(2h)) for the smallest h with 2^(2h) >= n; cycle-walking
 * (re-encrypting until the value lands below n) restricts it to a permutation of [0, n). The domain is at
 * most 4n, so a lookup walks fewer than 4 times on average.
 */
final class Permutation {
  private static final int ROUNDS = 6;
  private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;
  /** Keeps the Feistel domain (at most 4n) within a non-negative long. */
  static final long MAX_SIZE = 1L << 61;

  private final long n;
  private final int halfBits;
  private final long halfMask;
  private final long[] roundKeys = new long[ROUNDS];

  Permutation(long key, long n) {
    if (n <= 0 || n > MAX_SIZE) {
      throw new IllegalArgumentException("permutation size must be in [1, 2^61], got " + n);
    }
    this.n = n;
    int bits = Math.max(2, 64 - Long.numberOfLeadingZeros(n - 1));
    this.halfBits = (bits + 1) / 2;
    this.halfMask = (1L << halfBits) - 1;
    long state = key;
    for (int r = 0; r < ROUNDS; r++) {
      state += GOLDEN_GAMMA;
      roundKeys[r] = mix(state);
    }
  }

  /** Derives one key from several values (e.g. a seed and an epoch) so nearby inputs give unrelated keys. */
  static long key(long... parts) {
    long h = 0;
    for (long part : parts) h = mix(h + GOLDEN_GAMMA + part);
    return h;
  }

  long size() {
    return n;
  }

  /** Where position {@code i} in [0, n) goes. */
  long apply(long i) {
    if (i < 0 || i >= n) throw new IllegalArgumentException("position " + i + " outside [0, " + n + ")");
    long x = i;
    do {
      x = encrypt(x);
    } while (x >= n);
    return x;
  }

  private long encrypt(long x) {
    long left = x >>> halfBits;
    long right = x & halfMask;
    for (long roundKey : roundKeys) {
      long next = left ^ (mix(right ^ roundKey) & halfMask);
      left = right;
      right = next;
    }
    return (left << halfBits) | right;
  }

  /** SplitMix64's finalizer: a cheap bijective 64-bit mixer with full avalanche. */
  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
