package dev.cohort.run;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class LrScheduleTest {
  @Test
  void warmsUpLinearlyThenDecaysByCosineToTheFloor() {
    LrSchedule schedule = new LrSchedule(1.0, 4, 13, 0.1); // decay over steps 4..12
    assertEquals(0.25, schedule.at(0), 1e-12);
    assertEquals(1.0, schedule.at(3), 1e-12);
    assertEquals(1.0, schedule.at(4), 1e-12);
    assertEquals(0.55, schedule.at(8), 1e-12); // half-way down the cosine: (1 + 0.1) / 2
    assertEquals(0.1, schedule.at(12), 1e-12);
    assertEquals(0.1, schedule.at(20), 1e-12);
  }
}
