package dev.cohort.coordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Set;
import org.junit.jupiter.api.Test;

/** Missed deadlines add up per worker over consecutive late steps; a worker at the limit is to be treated as lost. */
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
  void aStepOnTimeClearsAWorkersMissesSoRareSlowStepsNeverAddUpToTheLimit() {
    Stragglers s = Stragglers.none(2).missed(Set.of("a", "b")).stepFinished();
    assertEquals(1, s.missesOf("a"), "late in the step that just finished: kept");
    s = s.missed(Set.of("b"));
    assertEquals(Set.of("b"), s.overLimit(), "b was late in two steps that followed one another");
    assertEquals(0, s.stepFinished().missesOf("a"), "a's next step was on time");
    s = Stragglers.none(2);
    for (int step = 0; step < 10; step++) s = s.missed(Set.of("c")).stepFinished().stepFinished();
    assertEquals(Set.of(), s.overLimit(), "late every other step: never two in a row");
  }

  @Test
  void aLimitBelowOneIsRejected() {
    assertThrows(IllegalArgumentException.class, () -> Stragglers.none(0));
  }
}
