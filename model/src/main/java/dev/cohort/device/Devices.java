package dev.cohort.device;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import dev.cohort.config.DeviceName;
import dev.cohort.config.TrainConfig;

/**
 * The one place where a device setting becomes DJL's Device, and where every worker, trainer and tool gets the
 * NDManager its tensors come from: arrays made by that manager, and every op on them, live on the device.
 */
public final class Devices {
  /** The worker command's option that gives its process a device whatever the run's train.device says. */
  public static final String WORKER_OPTION = "--device";
  private static final String PATH = "train.device";

  /** Set by {@code cohort worker --device}: one worker per process, so the device is the process's. */
  private static volatile DeviceName pinned;

  private Devices() {}

  /**
   * Makes {@code device} this process's device for every run it serves, overriding train.device; checked now, so a
   * worker that cannot reach its GPU fails before it joins a cluster.
   */
  public static void pin(DeviceName device) {
    check(WORKER_OPTION, device);
    pinned = device;
  }

  /** The DJL device of {@code train.device} (or of the pinned device), after checking the engine can reach it. */
  public static Device of(TrainConfig train) {
    DeviceName own = pinned;
    return own != null ? check(WORKER_OPTION, own) : check(PATH, train.deviceName());
  }

  /** A new root manager on the configured device; the caller closes it. */
  public static NDManager manager(TrainConfig train) {
    return NDManager.newBaseManager(of(train));
  }

  /**
   * A new root manager on the CPU, for tensors that only pass from files to files (import, upcycle): converting a
   * checkpoint needs no GPU, whatever the run's train.device says.
   */
  public static NDManager host() {
    return NDManager.newBaseManager(Device.cpu());
  }

  private static Device check(String setting, DeviceName name) {
    if (!name.gpu()) return Device.cpu();
    DeviceCheck.require(setting, name, EngineFacts.read());
    Device gpu = Device.gpu(name.index());
    DeviceMemoryGauge.watch(gpu);
    return gpu;
  }
}
