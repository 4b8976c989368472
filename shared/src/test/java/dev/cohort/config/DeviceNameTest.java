package dev.cohort.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class DeviceNameTest {
  @Test
  void cpuGpuAndGpuNAreAccepted() {
    assertEquals(DeviceName.CPU, DeviceName.parse("p", "cpu"));
    assertEquals(new DeviceName(true, 0), DeviceName.parse("p", "gpu"));
    assertEquals(new DeviceName(true, 3), DeviceName.parse("p", "gpu:3"));
    assertEquals("gpu:3", DeviceName.parse("p", "gpu:3").toString());
  }

  @Test
  void otherFormsAreRejectedNamingThePathAndTheAcceptedForms() {
    for (String bad : List.of("gpu0", "cuda:0", "GPU", "gpu:", "gpu:-1", "")) {
      ConfigError error = assertThrows(ConfigError.class, () -> DeviceName.parse("cohort.train.device", bad));
      assertTrue(error.getMessage().contains("'cohort.train.device'") && error.getMessage().contains("gpu:N"),
          error.getMessage());
    }
  }

  @Test
  void theTrainSectionValidatesItsDevice() {
    ConfigError error = assertThrows(ConfigError.class,
        () -> CohortConfig.load(null, List.of("train.device = \"gpu1\"")));
    assertTrue(error.getMessage().contains("cohort.train.device"), error.getMessage());
    assertEquals(new DeviceName(true, 1),
        CohortConfig.load(null, List.of("train.device = \"gpu:1\"")).train().deviceName());
  }
}
