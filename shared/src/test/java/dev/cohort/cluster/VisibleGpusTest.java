package dev.cohort.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Optional;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class VisibleGpusTest {
  @Test
  void localWorkersGetTheLaunchersGpusRoundRobin() {
    assertEquals(java.util.List.of("2", "5", "2", "5", "2"),
        IntStream.range(0, 5).mapToObj(i -> VisibleGpus.forWorker("2, 5", i).orElseThrow()).toList());
  }

  @Test
  void withoutTheVariableWorkersInheritTheEnvironment() {
    assertEquals(Optional.empty(), VisibleGpus.forWorker(null, 0));
    assertEquals(Optional.empty(), VisibleGpus.forWorker("", 1));
  }
}
