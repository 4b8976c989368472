package dev.cohort.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import dev.cohort.config.CohortConfig;
import dev.cohort.config.DeviceName;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;

class DeviceCheckTest {
  private static final EngineFacts CPU_BUILD =
      new EngineFacts("0.35.0", "2.7.1", "/cache/2.7.1-cpu-linux-x86_64", Set.of("MKL", "OPENMP"), 0, 2, 1);
  private static final EngineFacts ONE_GPU =
      new EngineFacts("0.35.0", "2.7.1", "/opt/libtorch/lib", Set.of("CUDA", "CUDNN"), 1, 8, 1);

  /** A machine whose engine places tensors on GPU 0 only, and one where no placement works. */
  private static final IntFunction<Optional<String>> ONLY_GPU_0 =
      index -> index == 0 ? Optional.empty() : Optional.of("CUDA error: invalid device ordinal");
  private static final IntFunction<Optional<String>> NO_GPU = index -> Optional.of("no CUDA GPUs are available");

  @Test
  void theCpuNeedsNothing() {
    assertEquals(Optional.empty(), DeviceCheck.problem("train.device", DeviceName.CPU, CPU_BUILD, NO_GPU));
  }

  @Test
  void aGpuWithACpuBuildOfPyTorchNamesTheLibraryAndTheFix() {
    String problem = DeviceCheck.problem("train.device", new DeviceName(true, 0), CPU_BUILD, NO_GPU).orElseThrow();
    assertTrue(problem.startsWith("train.device = gpu:0 but the PyTorch engine was loaded without CUDA"), problem);
    for (String named : List.of("flavour cpu", "PyTorch 2.7.1", "/cache/2.7.1-cpu-linux-x86_64",
        "pytorch-native-cu", "PYTORCH_LIBRARY_PATH")) {
      assertTrue(problem.contains(named), named + " in: " + problem);
    }
  }

  @Test
  void aGpuTheEngineCannotPlaceATensorOnNamesTheCountAndTheEnginesReason() {
    String problem = DeviceCheck.problem("--device", new DeviceName(true, 1), ONE_GPU, ONLY_GPU_0).orElseThrow();
    assertTrue(problem.startsWith("--device = gpu:1 but the PyTorch engine sees 1 GPU(s) and cannot place a tensor "
        + "on GPU 1"), problem);
    assertTrue(problem.contains("CUDA_VISIBLE_DEVICES") && problem.endsWith("invalid device ordinal"), problem);
    assertEquals(Optional.empty(), DeviceCheck.problem("--device", new DeviceName(true, 0), ONE_GPU, ONLY_GPU_0));
  }

  @Test
  void askingThisMachinesEngineForAGpuFailsWithOneMessage() {
    EngineFacts here = EngineFacts.read();
    if (here.gpuCount() > 0) {
      assertEquals(Device.gpu(0), Devices.of(CohortConfig.load(null, List.of("train.device = \"gpu\"")).train()));
      return;
    }
    DeviceError error = assertThrows(DeviceError.class,
        () -> Devices.of(CohortConfig.load(null, List.of("train.device = \"gpu:0\"")).train()));
    assertTrue(error.getMessage().startsWith("train.device = gpu:0 but the PyTorch engine"), error.getMessage());
    assertFalse(error.getMessage().contains("\n"), "one line: " + error.getMessage());
    // cohort worker --device: refused at once, naming the option, and nothing is pinned.
    DeviceError pinned = assertThrows(DeviceError.class, () -> Devices.pin(new DeviceName(true, 0)));
    assertTrue(pinned.getMessage().startsWith("--device = gpu:0 but"), pinned.getMessage());
    assertEquals(Device.cpu(), Devices.of(CohortConfig.defaults().train()));
  }
}
