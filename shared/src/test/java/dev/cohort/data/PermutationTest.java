package dev.cohort.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.BitSet;
import org.junit.jupiter.api.Test;

class PermutationTest {
  @Test
  void isABijectionOnItsDomainForAwkwardSizes() {
    for (long n : new long[] {1, 2, 3, 5, 17, 64, 65, 1000, 4097}) {
      Permutation p = new Permutation(Permutation.key(42, n), n);
      BitSet seen = new BitSet();
      for (long i = 0; i < n; i++) {
        long j = p.apply(i);
        assertTrue(j >= 0 && j < n, "n=" + n + " i=" + i + " -> " + j);
        seen.set((int) j);
      }
      assertEquals(n, seen.cardinality(), "n=" + n);
    }
  }

  @Test
  void differentKeysGiveDifferentOrders() {
    long n = 1000;
    Permutation a = new Permutation(Permutation.key(1, 0), n);
    Permutation b = new Permutation(Permutation.key(1, 1), n);
    int same = 0;
    for (long i = 0; i < n; i++) if (a.apply(i) == b.apply(i)) same++;
    // Two independent random permutations agree on about one position.
    assertTrue(same < 10, "agreeing positions: " + same);
    assertNotEquals(0, a.apply(0) + a.apply(1) + a.apply(2) - 3, "not the identity");
  }

  @Test
  void positionsOutsideTheDomainAreRejected() {
    Permutation p = new Permutation(7, 10);
    assertThrows(IllegalArgumentException.class, () -> p.apply(10));
    assertThrows(IllegalArgumentException.class, () -> p.apply(-1));
    assertThrows(IllegalArgumentException.class, () -> new Permutation(7, 0));
  }
}
