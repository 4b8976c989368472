package dev.cohort.coordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Set;
import org.junit.jupiter.api.Test;

/** Missed deadlines add up per worker over a run; a worker at the limit is to be treated as lost. */
class StragglersTest {
  @Test
  void aWorkerIsLostOnceItHasMissedTheLimitOfDeadlines() {
    Stragglers s = Stragglers.none(2).missed(Set.of("a", "b"));
    assertEquals(Set.of(), s.overLimit(), "one miss each is only logged");
    s = s.missed(Set.of("b"));
    assertEquals(2, s.missesOf("b"));
    assertEquals(1, s.missesOf("a"));
    assertEquals(0, s.missesOf("c"));
    assertEquals(Set.of("b"), s.overLimit());
  }

  @Test
  void aLimitBelowOneIsRejected() {
    assertThrows(IllegalArgumentException.class, () -> Stragglers.none(0));
  }
}
