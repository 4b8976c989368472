package dev.cohort.device;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import java.nio.ByteBuffer;

/**
 * A tensor's elements copied to the host, for what leaves the device: checkpoint files and the data plane's sockets.
 * DJL's toByteBuffer() copies a GPU tensor to the CPU by itself, but attaches that copy to the tensor's manager,
 * where it stays until the manager closes (a model's worth per checkpoint, when the manager is the parameters'):
 * here the intermediate copy is freed at once.
 */
public final class HostCopy {
  private HostCopy() {}

  /** The elements of {@code array} (any device, contiguous or not) in a new buffer in native byte order. */
  public static ByteBuffer bytes(NDArray array) {
    if (!array.getDevice().isGpu()) return array.toByteBuffer();
    try (NDArray host = array.toDevice(Device.cpu(), true)) {
      return host.toByteBuffer();
    }
  }
}
