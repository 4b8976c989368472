package dev.cohort.device;

import ai.djl.Device;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code cohort_device_memory_bytes{device, kind}} on this process's metrics endpoint for every GPU it trains on,
 * read at each scrape: kind "used" (the device's used bytes, DeviceMemory) and "total". PyTorch's own split into
 * allocated and reserved bytes is not reachable from DJL (see DeviceMemory). On the CPU there is no such gauge:
 * process_resident_memory_bytes is the figure there.
 */
final class DeviceMemoryGauge {
  static final String NAME = "cohort_device_memory_bytes";
  private static final Set<Device> WATCHED = ConcurrentHashMap.newKeySet();
  private static final GaugeWithCallback GAUGE = GaugeWithCallback.builder().name(NAME)
      .help("Memory of each GPU this process trains on: used (device-wide, cudaMemGetInfo) and total bytes")
      .labelNames("device", "kind")
      .callback(callback -> WATCHED.forEach(device -> DeviceMemory.of(device).ifPresent(m -> {
        callback.call(m.usedBytes(), device.toString(), "used");
        callback.call(m.totalBytes(), device.toString(), "total");
      })))
      .register();

  private DeviceMemoryGauge() {}

  /** Adds {@code device} (a GPU) to the gauge; idempotent. */
  static void watch(Device device) {
    WATCHED.add(device);
  }
}
