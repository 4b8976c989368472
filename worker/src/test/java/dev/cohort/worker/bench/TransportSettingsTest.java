package dev.cohort.worker.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class TransportSettingsTest {
  @Test
  void sizesReadWithKibAndMibSuffixes() {
    assertEquals(65536, TransportSettings.parseSize("64k"));
    assertEquals(16 << 20, TransportSettings.parseSize(" 16M "));
    assertEquals(4096, TransportSettings.parseSize("4096"));
  }

  @Test
  void badSizesAreRejectedNamingTheValue() {
    for (String bad : List.of("", "k", "-1m", "0", "2048m", "1g", "abc")) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TransportSettings.parseSize(bad));
      assertTrue(e.getMessage().contains("'" + bad + "'"), e.getMessage());
    }
  }

  @Test
  void sizesMustBeWholeFloat32Elements() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new TransportSettings(List.of(1001), 1 << 20, 1, 1 << 20, 0, 1));
    assertTrue(e.getMessage().contains("1001"), e.getMessage());
  }

  @Test
  void volumeRoundsUpToWholeTensors() {
    assertEquals(3, TransportSettings.tensorsFor(5, 2));
    assertEquals(4, TransportSettings.tensorsFor(4 << 20, 1 << 20));
  }
}
