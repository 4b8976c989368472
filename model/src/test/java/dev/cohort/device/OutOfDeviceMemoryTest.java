package dev.cohort.device;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.engine.EngineException;
import dev.cohort.device.OutOfDeviceMemory.Phase;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

class OutOfDeviceMemoryTest {
  /** The first line of what PyTorch's CUDA caching allocator throws, as DJL wraps it. */
  private static final EngineException CUDA_OOM = new EngineException("CUDA out of memory. Tried to allocate "
      + "2.00 GiB. GPU 0 has a total capacity of 79.10 GiB of which 1.02 GiB is free.\nException raised from malloc");

  @Test
  void theMessageNamesTheWorkerThePhaseAndTheMemoryInUse() {
    long gib = 1L << 30;
    String message = OutOfDeviceMemory.message("worker pekko://cohort@10.0.0.2:25520 (stage 1, replica 0)",
        Phase.BACKWARD, "gpu(0)", Optional.of(new DeviceMemory(78 * gib, 80 * gib)), new CompletionException(CUDA_OOM));
    for (String named : List.of("worker pekko://cohort@10.0.0.2:25520 (stage 1, replica 0)", "in the backward phase",
        "78.0 GiB used of 80.0 GiB", "last checkpoint is intact", "Tried to allocate 2.00 GiB")) {
      assertTrue(message.contains(named), named + " in: " + message);
    }
    assertTrue(message.lines().count() == 1, "one line: " + message);
  }

  @Test
  void anOutOfMemoryErrorBecomesADeviceErrorAndOthersPassUnchanged() {
    RuntimeException wrapped = new CompletionException(CUDA_OOM);
    RuntimeException named = OutOfDeviceMemory.named(wrapped, "the trainer", Phase.OPTIMIZER, Device.cpu());
    assertInstanceOf(DeviceError.class, named);
    assertTrue(named.getMessage().contains("optimizer phase (memory in use unknown)"), named.getMessage());
    RuntimeException other = new IllegalStateException("shape mismatch");
    assertSame(other, OutOfDeviceMemory.named(other, "the trainer", Phase.FORWARD, Device.cpu()));
  }
}
