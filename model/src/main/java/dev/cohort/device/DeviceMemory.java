package dev.cohort.device;

import ai.djl.Device;
import ai.djl.util.cuda.CudaUtils;
import java.lang.management.MemoryUsage;
import java.util.Locale;
import java.util.Optional;

/**
 * Memory of a GPU as DJL can read it. DJL exposes no caching-allocator statistics (PyTorch's memory_allocated and
 * memory_reserved are not in its JNI), only the CUDA runtime's cudaMemGetInfo through CudaUtils.getGpuMemory: the
 * device's used bytes (every context and allocator on it, so PyTorch's reserved pool plus its CUDA context when one
 * worker owns the GPU) and its total.
 *
 * @param usedBytes bytes in use on the device (total minus free)
 * @param totalBytes the device's memory
 */
public record DeviceMemory(long usedBytes, long totalBytes) {
  /** Where a figure is reported as a number: no device memory to report (the CPU). */
  public static final long NONE = -1;
  private static final double GIB = 1L << 30;

  /** The device's memory, or empty on the CPU (whose figure is the process's RSS) or when CUDA cannot say. */
  public static Optional<DeviceMemory> of(Device device) {
    if (!device.isGpu()) return Optional.empty();
    try {
      MemoryUsage usage = CudaUtils.getGpuMemory(device);
      return Optional.of(new DeviceMemory(usage.getUsed(), usage.getMax()));
    } catch (RuntimeException e) { // no cudart to ask (DJL loads it by name), or the device is gone
      return Optional.empty();
    }
  }

  /** Whichever of {@code sofar} (null: none yet) and the device's memory now has more in use. */
  public static DeviceMemory peak(DeviceMemory sofar, Device device) {
    DeviceMemory now = of(device).orElse(null);
    if (now == null) return sofar;
    return sofar == null || now.usedBytes > sofar.usedBytes ? now : sofar;
  }

  /** "12.3 GiB used of 79.2 GiB". */
  public String describe() {
    return String.format(Locale.ROOT, "%.1f GiB used of %.1f GiB", usedBytes / GIB, totalBytes / GIB);
  }
}
