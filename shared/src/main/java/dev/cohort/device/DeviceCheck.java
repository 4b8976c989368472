package dev.cohort.device;

import dev.cohort.config.DeviceName;
import java.util.Optional;

/**
 * Whether this process can put its tensors on the configured device, checked before any tensor is made, so a GPU
 * run on a machine without CUDA or without that GPU fails at start with one message instead of an engine error in
 * the middle of building the model.
 */
public final class DeviceCheck {
  static final String GUIDE = "docs/GPU.md";

  private DeviceCheck() {}

  /** Throws a DeviceError naming what is missing for {@code device}, set at config path {@code path}. */
  public static void require(String path, DeviceName device, EngineFacts engine) {
    problem(path, device, engine).ifPresent(message -> {
      throw new DeviceError(message);
    });
  }

  /** What stands in the way of {@code device}, if anything. */
  static Optional<String> problem(String path, DeviceName device, EngineFacts engine) {
    if (!device.gpu()) return Optional.empty();
    String setting = path + " = " + device;
    String library = "native library flavour " + engine.flavour() + ", PyTorch " + engine.pytorchVersion() + " at "
        + engine.libraryPath();
    if (!engine.cudaBuilt()) {
      return Optional.of(setting + " but the PyTorch engine was loaded without CUDA (" + library + "): put DJL's "
          + "pytorch-native-cu* jar for PyTorch " + engine.pytorchVersion() + " on the class path or point "
          + "PYTORCH_LIBRARY_PATH at a CUDA build of libtorch " + engine.pytorchVersion() + " (" + GUIDE + ")");
    }
    if (device.index() >= engine.gpuCount()) {
      return Optional.of(setting + " but the PyTorch engine sees " + engine.gpuCount() + " GPU(s) (" + library
          + "; CUDA_VISIBLE_DEVICES=" + visibleDevices() + "): check the driver (nvidia-smi) and the GPUs this "
          + "process was given");
    }
    return Optional.empty();
  }

  private static String visibleDevices() {
    String visible = System.getenv("CUDA_VISIBLE_DEVICES");
    return visible == null ? "(unset)" : "'" + visible + "'";
  }
}
