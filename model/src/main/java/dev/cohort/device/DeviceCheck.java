package dev.cohort.device;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.cohort.config.DeviceName;
import java.util.Optional;
import java.util.function.IntFunction;

/**
 * Whether this process can put its tensors on the configured device, checked before any tensor is made, so a GPU
 * run on a machine without CUDA or without that GPU fails at start with one message instead of an engine error in
 * the middle of building the model. The test of a GPU is placing a one-element tensor on it: DJL's GPU count asks
 * the CUDA runtime library by name (libcudart), which a working libtorch does not need, so the count alone could
 * refuse a GPU that PyTorch can use.
 */
public final class DeviceCheck {
  static final String GUIDE = "docs/GPU.md";

  private DeviceCheck() {}

  /** Throws a DeviceError naming what is missing for {@code device}, set at config path {@code path}. */
  public static void require(String path, DeviceName device, EngineFacts engine) {
    problem(path, device, engine, DeviceCheck::place).ifPresent(message -> {
      throw new DeviceError(message);
    });
  }

  /**
   * What stands in the way of {@code device}, if anything.
   *
   * @param place tries a tensor on visible GPU i: empty if it worked, else the engine's reason
   */
  static Optional<String> problem(String path, DeviceName device, EngineFacts engine,
      IntFunction<Optional<String>> place) {
    if (!device.gpu()) return Optional.empty();
    String setting = path + " = " + device;
    String library = "native library flavour " + engine.flavour() + ", PyTorch " + engine.pytorchVersion() + " at "
        + engine.libraryPath();
    if (!engine.cudaBuilt()) {
      return Optional.of(setting + " but the PyTorch engine was loaded without CUDA (" + library + "): put DJL's "
          + "pytorch-native-cu* jar for PyTorch " + engine.pytorchVersion() + " on the class path or point "
          + "PYTORCH_LIBRARY_PATH at a CUDA build of libtorch " + engine.pytorchVersion() + " (" + GUIDE + ")");
    }
    return place.apply(device.index()).map(reason -> setting + " but the PyTorch engine sees " + engine.gpuCount()
        + " GPU(s) and cannot place a tensor on GPU " + device.index() + " (" + library + "; CUDA_VISIBLE_DEVICES="
        + visibleDevices() + "): " + reason);
  }

  /** Places a one-element tensor on visible GPU {@code index}; the engine's first line of complaint if it cannot. */
  private static Optional<String> place(int index) {
    try (NDManager probe = NDManager.newBaseManager(Device.gpu(index))) {
      probe.zeros(new Shape(1));
      return Optional.empty();
    } catch (RuntimeException e) {
      String message = String.valueOf(e.getMessage());
      int newline = message.indexOf('\n');
      return Optional.of(newline < 0 ? message : message.substring(0, newline));
    }
  }

  private static String visibleDevices() {
    String visible = System.getenv("CUDA_VISIBLE_DEVICES");
    return visible == null ? "(unset)" : "'" + visible + "'";
  }
}
